import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack } from '../../lib/core/cdk';
import { ConfigDelivery } from '../../lib/openstack/config-delivery';
import { Host } from '../../lib/openstack/host';
import { KeyPair } from '../../lib/openstack/keypair';
import { Network } from '../../lib/openstack/network';
import { SecurityGroup } from '../../lib/openstack/security-group';
import { PlacementPolicy, ServerGroup } from '../../lib/openstack/server-group';
import { StackJson, resourcesOf, synthStack, writeStack } from '../support/synth';
import { describeWithTools, tempDir, tfsim } from '../support/tools';
import { BalancerFixture, buildBalancerStack } from '../e2e/balancer-fixture';

/**
 * Issue 11, item 1: every way a host with an in-place push can be replaced (or rebuilt on a fresh
 * disk), with Terraform's own verdict (`tfsim plan --base`). The port and its address survive a
 * replaced instance, so only the instance's identity in the push's trigger tells Terraform that
 * the new instance needs the files: whenever Terraform replaces (or rebuilds) an instance, the
 * push to it must be replaced (run again) in the same plan. A resize keeps the disk: no push.
 */

/** A change: the stack before and after, and which instances Terraform must replace/rebuild. */
interface Cause {
  /** The stack name (one per cause; every cause is planned in one tfsim run). */
  readonly stack: string;
  readonly name: string;
  readonly build: (app: App, stack: string, after: boolean) => TerraformStack;
  /** Instances (logical-name prefixes) and the action Terraform takes on each. */
  readonly instances: Record<string, 'replace' | 'rebuild' | 'resize'>;
  /** Pushes (logical-name prefixes) that must be created, not replaced (new with the change). */
  readonly created?: string[];
}

function balancer(before: BalancerFixture, after: BalancerFixture, tweak?: BalancerTweak) {
  return (app: App, stack: string, isAfter: boolean) => {
    const built = buildBalancerStack(app, stack, isAfter ? after : before);
    if (isAfter && tweak) tweak(built.lb.hosts.hosts);
    return built.stack;
  };
}
type BalancerTweak = (hosts: Host[]) => void;

/** A host composed by hand with a push of its own, as a user builds one. */
interface ComposedHost {
  readonly image?: string;
  readonly bootVolumeSizeGb?: number;
  readonly policy?: PlacementPolicy;
  readonly keyPair?: string;
}

function composed(before: ComposedHost, after: ComposedHost) {
  return (app: App, name: string, isAfter: boolean) => {
    const props = isAfter ? after : before;
    const stack = new TerraformStack(app, name);
    const network = new Network(stack, 'Network', { cidr: '10.30.0.0/24' });
    const group = new SecurityGroup(stack, 'Group', { description: 'the app host' });
    const host = new Host(stack, 'App', {
      network,
      image: props.image ?? 'debian-12',
      flavor: 'm1.small',
      securityGroups: [group],
      keyPairName: props.keyPair,
      bootVolumeSizeGb: props.bootVolumeSizeGb,
      serverGroup: props.policy ? new ServerGroup(stack, 'Placement', { policy: props.policy }) : undefined,
      cloudConfig: { packages: ['nginx'] },
    });
    new ConfigDelivery(stack, 'AppConfig', {
      instance: { id: host.instance.id, image: host.instance.imageName },
      address: host.privateAddress,
      ssh: { user: 'debian' },
      hostName: host.hostName,
      role: 'app',
      name: 'app',
      files: [{ path: '/etc/app/app.conf', content: 'listen 8080\n' }],
      check: 'true',
      reload: 'systemctl reload app',
      dependsOn: [host.instance],
    });
    return stack;
  };
}

const HOST = 'Balancer_Hosts_Host_';
const PEER = 'Balancer_Hosts_PeerHost_';

const CAUSES: Cause[] = [
  {
    stack: 'userdata',
    name: 'a cloud-config file is added to the host (user data)',
    build: balancer({}, {}, (hosts) =>
      hosts[0].addCloudConfig({ writeFiles: [{ path: '/etc/motd', content: 'balancer\n' }] }),
    ),
    instances: { [HOST]: 'replace' },
  },
  {
    stack: 'package',
    name: 'a package is added to the host',
    build: balancer({}, {}, (hosts) => hosts[0].addCloudConfig({ packages: ['htop'] })),
    instances: { [HOST]: 'replace' },
  },
  {
    stack: 'status',
    name: 'the status page is opened to a network (statusAllowedCidrs)',
    build: balancer({}, { props: { statusAllowedCidrs: ['198.51.100.0/24'] } }),
    instances: { [HOST]: 'replace' },
  },
  {
    stack: 'keypair',
    name: 'the Nova keypair changes',
    build: balancer(
      { props: { keyPair: KeyPair.fromName('old') } },
      { props: { keyPair: KeyPair.fromName('new') } },
    ),
    instances: { [HOST]: 'replace' },
  },
  {
    stack: 'pair',
    name: 'the host becomes a keepalived pair (scheduler hints, user data)',
    build: balancer({}, { ha: true }),
    instances: { [HOST]: 'replace' },
    created: ['Balancer_Hosts_PeerDelivery_', 'Balancer_Hosts_Keepalived_', 'Balancer_Hosts_PeerKeepalived_'],
  },
  {
    stack: 'pairpeer',
    name: "one host of a pair gets a package (only that host's pushes run again)",
    build: balancer({ ha: true }, { ha: true }, (hosts) => hosts[1].addCloudConfig({ packages: ['htop'] })),
    instances: { [HOST]: 'resize', [PEER]: 'replace' },
  },
  {
    stack: 'image',
    name: 'the image changes (the instance is rebuilt in place: same id, fresh disk)',
    build: balancer({}, { props: { image: 'debian-13' } }),
    instances: { [HOST]: 'rebuild' },
  },
  {
    stack: 'flavor',
    name: 'the flavor changes (a resize keeps the disk: no push)',
    build: balancer({}, { props: { flavor: 'm1.large' } }),
    instances: { [HOST]: 'resize' },
  },
  {
    stack: 'bootvolume',
    name: 'the image of a host booting from a volume changes (block device)',
    build: composed({ bootVolumeSizeGb: 20 }, { bootVolumeSizeGb: 20, image: 'debian-13' }),
    instances: { App_: 'replace' },
  },
  {
    stack: 'hints',
    name: "the host's server group is replaced (scheduler hints)",
    build: composed({ policy: 'anti-affinity' }, { policy: 'soft-anti-affinity' }),
    instances: { App_: 'replace' },
  },
  {
    stack: 'composedkey',
    name: 'the keypair of a composed host changes',
    build: composed({ keyPair: 'old' }, { keyPair: 'new' }),
    instances: { App_: 'replace' },
  },
];

interface PlannedChange {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly change: { readonly actions: string[]; readonly before: unknown; readonly after: unknown };
}

function synth(cause: Cause, after: boolean): StackJson {
  return synthStack((app: App) => cause.build(app, cause.stack, after));
}

/**
 * Push logical name → the instance logical name it configures, read from `key` of the
 * synthesized push: its trigger (`instance_id`) or, independent of the trigger, `depends_on`.
 */
function pushTargets(json: StackJson, key: 'trigger' | 'depends_on'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, body] of Object.entries(resourcesOf(json, 'terraform_data'))) {
    if (key === 'trigger') {
      const id = (body.triggers_replace as Record<string, unknown> | undefined)?.instance_id;
      const m = /^\$\{openstack_compute_instance_v2\.([^.]+)\.id\}$/.exec(String(id));
      if (m) out[name] = m[1];
    } else {
      const deps = ((body.depends_on as string[] | undefined) ?? []).filter((d) =>
        d.startsWith('openstack_compute_instance_v2.'),
      );
      if (deps.length === 1) out[name] = deps[0].split('.')[1];
    }
  }
  return out;
}

const prefixed = (name: string, prefix: string) => name.startsWith(prefix);

/** What Terraform does to an instance: replace, rebuild (image changed in place), resize, no-op. */
function instanceVerdict(c: PlannedChange): string {
  const a = c.change.actions;
  if (a.includes('delete') && a.includes('create')) return 'replace';
  if (a[0] === 'update') {
    const [b, n] = [c.change.before as Record<string, unknown>, c.change.after as Record<string, unknown>];
    return b.image_name !== n.image_name ? 'rebuild' : 'resize';
  }
  return a[0] === 'no-op' ? 'resize' : a.join(',');
}

describe('Every push names its instance (synth)', () => {
  it.each(CAUSES)('$stack: each push triggers on the instance it depends on', (cause) => {
    const json = synth(cause, true);
    const pushes = Object.keys(resourcesOf(json, 'terraform_data'));
    const targets = pushTargets(json, 'trigger');
    expect(pushes.length).toBeGreaterThan(0);
    expect(Object.keys(targets).sort()).toEqual(pushes.sort());
    expect(targets).toEqual(pushTargets(json, 'depends_on'));
  });
});

describeWithTools(
  ['terraform', 'tfsim'],
  'A replaced or rebuilt host is pushed to again (terraform plan)',
  () => {
    const plans = new Map<string, PlannedChange[]>();
    const targets = new Map<string, Record<string, string>>();
    let output = '';
    let status = 0;

    beforeAll(() => {
      const dir = tempDir('webfarm-replaced-');
      const [base, next, out] = ['before', 'after', 'plan'].map((d) => path.join(dir, d));
      fs.mkdirSync(out);
      for (const cause of CAUSES) {
        writeStack(synth(cause, false), cause.stack, base);
        const after = synth(cause, true);
        targets.set(cause.stack, pushTargets(after, 'depends_on'));
        writeStack(after, cause.stack, next);
      }
      // One tfsim run for every cause: it applies each base stack, then plans its change.
      const result = tfsim(['plan', '--base', base, next, '--json', `${out}/`]);
      output = result.output;
      status = result.status;
      for (const cause of CAUSES) {
        const file = path.join(out, `${cause.stack}.json`);
        const plan = fs.existsSync(file)
          ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { resource_changes: PlannedChange[] })
          : { resource_changes: [] };
        plans.set(cause.stack, plan.resource_changes);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }, 300000);

    it('plans every cause', () => {
      expect(output).toContain(`${CAUSES.length} stacks planned`);
      expect(status).toBe(0);
    });

    it.each(CAUSES)('WHEN $name THEN Terraform re-runs the push to each replaced instance', (cause) => {
      const changes = plans.get(cause.stack) ?? [];
      const instances = changes.filter((c) => c.type === 'openstack_compute_instance_v2');
      // Terraform does to each instance what the cause says (so the case is not vacuous) ...
      for (const [prefix, verdict] of Object.entries(cause.instances)) {
        const matching = instances.filter((c) => prefixed(c.name, prefix));
        expect([prefix, matching.length]).toEqual([prefix, 1]);
        expect([prefix, instanceVerdict(matching[0])]).toEqual([prefix, verdict]);
      }
      // ... and every push follows its instance: run again when it is new on a fresh disk, left
      // alone when the disk is kept.
      const pushes = changes.filter((c) => c.type === 'terraform_data');
      expect(pushes.length).toBeGreaterThan(0);
      const byName = new Map(instances.map((c) => [c.name, instanceVerdict(c)]));
      const pushTarget = targets.get(cause.stack) ?? {};
      expect(Object.keys(pushTarget).sort()).toEqual(pushes.map((p) => p.name).sort());
      for (const push of pushes) {
        const instance = pushTarget[push.name];
        const verdict = byName.get(instance);
        const created = cause.created?.some((p) => prefixed(push.name, p)) ?? false;
        const expected = created
          ? ['create']
          : verdict === 'replace' || verdict === 'rebuild'
            ? ['delete', 'create']
            : ['no-op'];
        expect([push.name, instance, verdict, push.change.actions]).toEqual([
          push.name,
          instance,
          verdict,
          expected,
        ]);
      }
    });
  },
);
