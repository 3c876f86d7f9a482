import { Construct } from 'constructs';
import { App, TerraformStack, Testing } from '../../lib/core/cdk';
import { Algorithm } from '../../lib/core/balancing';
import { IBalancer } from '../../lib/core/balancer';
import { BalancerDelivery, SelfHostedBalancerProps } from '../../lib/openstack/balancer-host-props';
import { HaproxyBalancer } from '../../lib/openstack/haproxy-balancer';
import { Network } from '../../lib/openstack/network';
import { NginxBalancer } from '../../lib/openstack/nginx-balancer';
import { WorkerGroup } from '../../lib/openstack/worker-group';
import { StackJson, resourcesOf } from '../support/synth';
import { resourceManifest } from '../../lib/cli/stacks';

/** The documentation network the test stacks' operators connect from. */
export const ADMIN_CIDR = '198.51.100.0/24';
/** The test stacks' private subnet. */
export const SUBNET = '10.20.0.0/24';

/** One variant of the test stack: a worker group behind one balancer. */
export interface BalancerFixture {
  /**
   * Which balancer.
   * @default 'nginx'
   */
  readonly kind?: 'nginx' | 'haproxy';
  /**
   * Number of workers.
   * @default 2
   */
  readonly workers?: number;
  /**
   * Algorithm of pool 'web'.
   * @default Algorithm.roundRobin()
   */
  readonly algorithm?: Algorithm;
  /**
   * Also a pool 'api' (port 9090) behind a listener on 8080.
   * @default false
   */
  readonly apiPool?: boolean;
  /**
   * A keepalived pair.
   * @default false
   */
  readonly ha?: boolean;
  /**
   * Delivery mode.
   * @default 'ssh'
   */
  readonly delivery?: BalancerDelivery;
  /**
   * Extra balancer props.
   * @default - none
   */
  readonly props?: Partial<SelfHostedBalancerProps>;
}

/** Props every test balancer starts from. */
export function baseProps(network: Network): SelfHostedBalancerProps {
  return {
    network,
    name: 'lb',
    image: 'debian-12',
    flavor: 'm1.small',
    floatingIpPool: 'public',
    ssh: { user: 'debian' },
    adminCidrs: [ADMIN_CIDR],
  };
}

/** What {@link buildBalancerStack} made. */
export interface BuiltBalancer {
  /** The stack. */
  readonly stack: TerraformStack;
  /** The balancer. */
  readonly lb: NginxBalancer | HaproxyBalancer;
  /** The workers. */
  readonly workers: WorkerGroup;
}

/** A network, a worker group on 8080 and a balancer with pool 'web' behind listener 'http' on 80. */
export function buildBalancerStack(
  scope: Construct,
  name: string,
  fixture: BalancerFixture = {},
): BuiltBalancer {
  const stack = new TerraformStack(scope, name);
  const network = new Network(stack, 'Network', { cidr: SUBNET, externalNetworkName: 'public' });
  const workers = new WorkerGroup(stack, 'Web', {
    network,
    name: 'web',
    count: fixture.workers ?? 2,
    image: 'debian-12',
    flavor: 'm1.small',
    appPort: 8080,
  });
  const props: SelfHostedBalancerProps = {
    ...baseProps(network),
    ...(fixture.ha ? { highAvailability: { vrrp: true } } : {}),
    ...(fixture.delivery ? { delivery: fixture.delivery } : {}),
    ...fixture.props,
  };
  const lb =
    fixture.kind === 'haproxy'
      ? new HaproxyBalancer(stack, 'Balancer', props)
      : new NginxBalancer(stack, 'Balancer', props);
  addWebPool(lb, workers, fixture.algorithm);
  if (fixture.apiPool) {
    const api = lb.addPool('api', { port: 9090 });
    api.addTarget(workers);
    lb.addListener('api', { port: 8080, defaultPool: api });
  }
  return { stack, lb, workers };
}

function addWebPool(lb: IBalancer, workers: WorkerGroup, algorithm?: Algorithm): void {
  const web = lb.addPool('web', { port: 8080, algorithm: algorithm ?? Algorithm.roundRobin() });
  web.addTarget(workers);
  lb.addListener('http', { port: 80, defaultPool: web, allowedCidrs: ['0.0.0.0/0'] });
}

/**
 * Synthesizes the stack `build` returns with aspects (the default providers) and validations,
 * keeping the `//` blocks that hold the host manifests (`Testing.synth` drops them).
 */
export function synthWithManifests(build: (app: App) => TerraformStack): StackJson {
  const stack = build(Testing.app());
  Testing.synth(stack, true);
  return JSON.parse(JSON.stringify(stack.toTerraform())) as StackJson;
}

/** Synthesizes {@link buildBalancerStack} (validations run, manifests kept). */
export function synthBalancer(fixture: BalancerFixture = {}, name = 'lb'): StackJson {
  return synthWithManifests((app: App) => buildBalancerStack(app, name, fixture).stack);
}

/** The resources of `type` whose logical name starts with `prefix`, as [name, body] pairs. */
export function resourcesNamed(
  json: StackJson,
  type: string,
  prefix: string,
): Array<[string, Record<string, unknown>]> {
  return Object.entries(resourcesOf(json, type)).filter(([n]) => n.startsWith(prefix));
}

/** One file of a host manifest as synthesized. */
export interface SynthesizedFile {
  readonly path: string;
  readonly owner: string;
  readonly mode: string;
  readonly check?: string;
  readonly content: string;
}

/** The host manifest webfarm records under a resource's `//` block. */
export function manifestOf(resource: Record<string, unknown>): {
  host: string;
  role: string;
  delivery: string;
  files: SynthesizedFile[];
  runtime?: unknown;
} {
  // The files as `webfarm configs` reads them (an upload's text from its provisioner), the rest
  // (the run-time record) as written.
  const manifest = resourceManifest(resource, 'resource', 'cdk.tf.json');
  if (!manifest) throw new Error('resource has no webfarm manifest');
  const written = (resource['//'] as { webfarm: { runtime?: unknown } }).webfarm;
  return { ...manifest, ...(written.runtime === undefined ? {} : { runtime: written.runtime }) };
}
