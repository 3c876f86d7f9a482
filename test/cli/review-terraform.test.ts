/**
 * `webfarm review` against Terraform's own plan: realistic changes to stacks modelled on the
 * examples (nginx / HAProxy hosts with Redis and NFS like visa-nginx, nsboot-haproxy and
 * shared-state; a keepalived pair like balancer-ha; Octavia with variables, L7 rules and a looked-up
 * network like jetstream2-octavia and octavia-https), each planned by `tfsim plan --base` (real
 * Terraform core, simulated providers). For every change, the resources the review flags as
 * replaced, destroyed, failing or newly exposed, and the configuration pushes it expects, must be
 * exactly those Terraform's plan implies.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformOutput, TerraformStack, TerraformVariable } from '../../lib/core/cdk';
import { Algorithm } from '../../lib/core/balancing';
import { review, ReviewResult } from '../../lib/cli/review';
import { parseCidr, cidrContains } from '../../lib/cli/review-exposure';
import { HaproxyBalancer } from '../../lib/openstack/haproxy-balancer';
import { KeyPair } from '../../lib/openstack/keypair';
import { Network } from '../../lib/openstack/network';
import { NfsServer } from '../../lib/openstack/nfs-server';
import { NginxBalancer } from '../../lib/openstack/nginx-balancer';
import { OctaviaBalancer } from '../../lib/openstack/octavia';
import { RedisHost } from '../../lib/openstack/redis-host';
import { WorkerGroup } from '../../lib/openstack/worker-group';
import { describeWithTools, SHARED_TOOLS, tempDir } from '../support/tools';

const OFFICE = '203.0.113.0/24';
const ADMIN = '198.51.100.0/24';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7x2vG3qkJm6hT8l0cXo1d3u9Y0XkQwP2tKq3Nf5dZs review@example';
const KEY2 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHb0m5c8S8qzQm1wE3e2pYx7dZ0sRk4vT9gLq2Nc6aFj other@example';

/** A self-hosted balancer stack: workers, nginx or HAProxy (or a pair), Redis, NFS. */
interface SelfHosted {
  readonly kind: 'self';
  readonly daemon?: 'nginx' | 'haproxy';
  readonly workers?: number;
  readonly workersId?: string;
  readonly workersName?: string;
  readonly image?: string;
  readonly flavor?: string;
  readonly algorithm?: 'round-robin' | 'least-connections';
  readonly secondPool?: boolean;
  readonly listenerPort?: number;
  readonly allowed?: string[];
  readonly admin?: string[];
  readonly pair?: boolean;
  readonly delivery?: 'ssh' | 'user-data';
  readonly redis?: boolean;
  readonly redisMemoryMb?: number;
  readonly nfs?: boolean;
  readonly nfsGb?: number;
  readonly floatingIpPool?: string;
  readonly publicKey?: string;
  readonly greeting?: string;
  readonly packages?: string[];
  readonly retainRedis?: boolean;
  readonly nfsVolumeType?: string;
}

/** An Octavia stack on a looked-up network, with a flavor variable and a certificate variable. */
interface Managed {
  readonly kind: 'octavia';
  readonly networkName?: string;
  readonly method?: 'round-robin' | 'least-connections' | 'source-ip';
  readonly members?: number;
  readonly l7?: boolean;
  readonly flavorDefault?: string;
  readonly certificateDefault?: string;
  readonly allowed?: string[];
}

type Scenario = SelfHosted | Managed;

const ALGORITHMS = {
  'round-robin': () => Algorithm.roundRobin(),
  'least-connections': () => Algorithm.leastConnections(),
  'source-ip': () => Algorithm.sourceIp(),
};

function buildSelfHosted(stack: TerraformStack, s: SelfHosted): void {
  const network = new Network(stack, 'Network', { cidr: '10.20.0.0/24', externalNetworkName: 'public' });
  const keyPair = new KeyPair(stack, 'Key', { publicKey: s.publicKey ?? KEY });
  const workers = new WorkerGroup(stack, s.workersId ?? 'Web', {
    network,
    name: s.workersName ?? 'web',
    count: s.workers ?? 2,
    image: s.image ?? 'debian-12',
    flavor: s.flavor ?? 'm1.small',
    appPort: 8080,
    keyPair,
    environment: { GREETING: s.greeting ?? 'hello' },
    ...(s.packages ? { packages: s.packages } : {}),
  });
  const common = {
    network,
    name: 'lb',
    image: 'debian-12',
    flavor: 'm1.small',
    keyPair,
    floatingIpPool: s.floatingIpPool ?? 'public',
    ssh: { user: 'debian' },
    adminCidrs: s.admin ?? [ADMIN],
    ...(s.pair ? { highAvailability: { vrrp: true as const } } : {}),
    ...(s.delivery ? { delivery: s.delivery } : {}),
  };
  const lb =
    s.daemon === 'haproxy'
      ? new HaproxyBalancer(stack, 'Balancer', common)
      : new NginxBalancer(stack, 'Balancer', common);
  const pool = lb.addPool('web', { port: 8080, algorithm: ALGORITHMS[s.algorithm ?? 'round-robin']() });
  pool.addTarget(workers);
  lb.addListener('http', {
    port: s.listenerPort ?? 80,
    defaultPool: pool,
    allowedCidrs: s.allowed ?? [OFFICE],
  });
  if (s.secondPool) {
    const admin = lb.addPool('admin', { port: 8080, algorithm: Algorithm.leastConnections() });
    admin.addTarget(workers);
    lb.addListener('admin', { port: 8443, defaultPool: admin, allowedCidrs: [ADMIN] });
  }
  if (s.redis) {
    const redis = new RedisHost(stack, 'Redis', {
      network,
      image: 'debian-12',
      flavor: 'm1.small',
      volumeSizeGb: 10,
      ...(s.redisMemoryMb ? { maxMemoryMb: s.redisMemoryMb } : {}),
      ...(s.retainRedis === false ? { retainData: false } : {}),
    });
    redis.allowFrom(workers);
    workers.addEnvironment(redis.connectionEnv('APP_REDIS_'));
  }
  if (s.nfs) {
    const files = new NfsServer(stack, 'Files', {
      network,
      image: 'debian-12',
      flavor: 'm1.small',
      shares: ['images'],
      volumeSizeGb: s.nfsGb ?? 50,
      ...(s.nfsVolumeType ? { volumeType: s.nfsVolumeType } : {}),
    });
    files.share('images').mountOn(workers, '/srv/images');
  }
}

function buildOctavia(stack: TerraformStack, s: Managed): void {
  const certificate = new TerraformVariable(stack, 'certificate_container_ref', {
    type: 'string',
    default:
      s.certificateDefault ??
      'https://barbican.example.org:9311/v1/containers/5e3b7a0c-0000-4000-8000-000000000000',
  });
  const flavor = new TerraformVariable(stack, 'octavia_flavor_id', {
    type: 'string',
    default: s.flavorDefault ?? '2d7c4f6e-0000-4000-8000-000000000000',
  });
  // The subnet's CIDR is given: the simulated cloud answers every lookup with the same fake CIDR.
  const network = Network.fromName(stack, 'Net', s.networkName ?? 'auto_allocated_network', {
    cidr: '10.0.0.0/24',
  });
  const web = new WorkerGroup(stack, 'Web', {
    network,
    count: s.members ?? 2,
    image: 'Featured-Ubuntu24',
    flavor: 'm3.small',
    appPort: 8080,
  });
  const api = new WorkerGroup(stack, 'Api', {
    network,
    count: 2,
    image: 'Featured-Ubuntu24',
    flavor: 'm3.small',
    appPort: 9000,
  });
  const lb = new OctaviaBalancer(stack, 'Lb', {
    network,
    apiVersion: '2.27',
    flavorId: flavor.stringValue,
    floatingIpPool: 'public',
  });
  const webPool = lb.addPool('web', {
    port: 8080,
    algorithm: ALGORITHMS[s.method ?? 'least-connections'](),
    healthCheck: { active: { path: '/healthz' } },
  });
  webPool.addTarget(web);
  const apiPool = lb.addPool('api', { port: 9000, healthCheck: { active: { path: '/api/health' } } });
  apiPool.addTarget(api);
  lb.addListener('https', {
    port: 443,
    defaultPool: webPool,
    tls: { certificate: { kind: 'barbican', containerRef: certificate.stringValue }, redirectFromPort: 80 },
    redirectPrefix: 'https://www.example.org',
    rules: s.l7 === false ? [] : [{ pool: apiPool, pathPrefix: '/api/' }],
    allowedCidrs: s.allowed ?? ['0.0.0.0/0'],
  });
  new TerraformOutput(stack, 'url', { value: `https://${lb.address}/` });
}

function build(app: App, name: string, s: Scenario): void {
  const stack = new TerraformStack(app, name);
  if (s.kind === 'self') buildSelfHosted(stack, s);
  else buildOctavia(stack, s);
}

const SELF: SelfHosted = { kind: 'self' };
const OCTAVIA: Managed = { kind: 'octavia' };
const REDIS: SelfHosted = { kind: 'self', redis: true };
const NFS: SelfHosted = { kind: 'self', nfs: true };

/** Edits of a synthesized stack, for changes the constructs do not make (hand-written JSON). */
type Edit = (json: StackJson) => void;

/** Drops `remote_ip_prefix` from the balancer's listener rules (Terraform keeps the prior value). */
const dropListenerRemote: Edit = (json) => {
  for (const rule of Object.values(json.resource?.openstack_networking_secgroup_rule_v2 ?? {})) {
    if (String(rule.description ?? '').startsWith("listener '")) delete rule.remote_ip_prefix;
  }
};

/** `ignore_changes = [user_data]` on every instance. */
const ignoreUserData: Edit = (json) => {
  for (const instance of Object.values(json.resource?.openstack_compute_instance_v2 ?? {})) {
    instance.lifecycle = { ...((instance.lifecycle as object) ?? {}), ignore_changes: ['user_data'] };
  }
};

/** [name, base, change, edit of both sides]: each a pull request a reviewer would see. */
const CHANGES: Array<[string, Scenario, Scenario, Edit?, Edit?]> = [
  ['workers-added', SELF, { ...SELF, workers: 3 }],
  ['workers-removed', SELF, { ...SELF, workers: 1 }],
  ['worker-flavor', SELF, { ...SELF, flavor: 'm1.medium' }],
  ['worker-image', SELF, { ...SELF, image: 'debian-13' }],
  ['algorithm', SELF, { ...SELF, algorithm: 'least-connections' }],
  ['pool-added', SELF, { ...SELF, secondPool: true }],
  ['listener-port', SELF, { ...SELF, listenerPort: 8080 }],
  ['allowed-world', SELF, { ...SELF, allowed: ['0.0.0.0/0'] }],
  ['allowed-narrowed', { ...SELF, allowed: ['0.0.0.0/0'] }, SELF],
  ['admin-cidrs', SELF, { ...SELF, admin: [ADMIN, '192.0.2.0/24'] }],
  ['ha-pair', SELF, { ...SELF, pair: true }],
  ['delivery-user-data', SELF, { ...SELF, delivery: 'user-data' }],
  [
    'user-data-workers-added',
    { ...SELF, delivery: 'user-data' },
    { ...SELF, delivery: 'user-data', workers: 3 },
  ],
  ['redis-memory', REDIS, { ...REDIS, redisMemoryMb: 512 }],
  ['redis-unprotected', REDIS, { ...REDIS, retainRedis: false }],
  ['volume-grow', NFS, { ...NFS, nfsGb: 80 }],
  ['volume-shrink', NFS, { ...NFS, nfsGb: 20 }],
  ['nfs-removed', NFS, SELF],
  ['volume-replaced', NFS, { ...NFS, nfsVolumeType: 'ssd' }],
  ['rule-remote-dropped', SELF, SELF, undefined, dropListenerRemote],
  ['ignored-user-data', SELF, { ...SELF, greeting: 'hej' }, ignoreUserData, ignoreUserData],
  ['workers-renamed-id', SELF, { ...SELF, workersId: 'App' }],
  ['workers-renamed-name', SELF, { ...SELF, workersName: 'app' }],
  ['floating-ip-pool', SELF, { ...SELF, floatingIpPool: 'public-2' }],
  ['keypair', SELF, { ...SELF, publicKey: KEY2 }],
  ['env', SELF, { ...SELF, greeting: 'bonjour' }],
  ['packages', SELF, { ...SELF, packages: ['htop'] }],
  ['haproxy-workers-added', { ...SELF, daemon: 'haproxy' }, { ...SELF, daemon: 'haproxy', workers: 3 }],
  [
    'haproxy-pair-image',
    { ...SELF, daemon: 'haproxy', pair: true },
    { ...SELF, daemon: 'haproxy', pair: true, image: 'debian-13' },
  ],
  ['octavia-method', OCTAVIA, { ...OCTAVIA, method: 'source-ip' }],
  ['octavia-members', OCTAVIA, { ...OCTAVIA, members: 3 }],
  ['octavia-l7-removed', OCTAVIA, { ...OCTAVIA, l7: false }],
  ['octavia-flavor-variable', OCTAVIA, { ...OCTAVIA, flavorDefault: '7e1a0c2d-0000-4000-8000-000000000000' }],
  [
    'octavia-certificate-variable',
    OCTAVIA,
    { ...OCTAVIA, certificateDefault: 'https://barbican.example.org:9311/v1/containers/new' },
  ],
  ['octavia-network-name', OCTAVIA, { ...OCTAVIA, networkName: 'other_network' }],
  ['octavia-allowed', OCTAVIA, { ...OCTAVIA, allowed: [OFFICE] }],
];

/** What a review or a plan says about one change. */
interface Verdict {
  replace: string[];
  destroy: string[];
  failure: string[];
  exposure: string[];
  pushes: string[];
}

interface PlanResource {
  readonly address: string;
  readonly type: string;
  readonly values: Record<string, unknown>;
}
interface PlanJson {
  readonly resource_changes: Array<{
    readonly address: string;
    readonly type: string;
    readonly mode: string;
    readonly change: {
      readonly actions: string[];
      readonly before: Record<string, unknown> | null;
      readonly after: Record<string, unknown> | null;
    };
  }>;
  readonly prior_state?: {
    readonly values?: { readonly root_module?: { readonly resources?: PlanResource[] } };
  };
  readonly planned_values: { readonly root_module: { readonly resources?: PlanResource[] } };
}

type StackJson = { resource?: Record<string, Record<string, Record<string, unknown>>> };

function readStack(dir: string, name: string): StackJson {
  return JSON.parse(fs.readFileSync(path.join(dir, 'stacks', name, 'cdk.tf.json'), 'utf8')) as StackJson;
}

function body(json: StackJson, address: string): Record<string, unknown> | undefined {
  const [type, name] = address.split('.');
  return json.resource?.[type]?.[name];
}

const REF = /\$\{([A-Za-z_][\w-]*\.[A-Za-z_][\w-]*)\./g;

/** Addresses referenced by a value in the configuration. */
function refs(value: unknown): string[] {
  return [...JSON.stringify(value ?? null).matchAll(REF)].map((m) => m[1]);
}

/**
 * Who each security group protects, by instance or load balancer name (from the configuration's
 * references and the planned names): the identity exposure is judged on, so that a group that is
 * renamed with its hosts' rules unchanged opens nothing new.
 */
function protectedBy(json: StackJson, names: Map<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (group: string, who: string): void => {
    out.set(group, [...new Set([...(out.get(group) ?? []), who])].sort());
  };
  const ports = json.resource?.openstack_networking_port_v2 ?? {};
  for (const [name, instance] of Object.entries(json.resource?.openstack_compute_instance_v2 ?? {})) {
    const who = names.get(`openstack_compute_instance_v2.${name}`) ?? name;
    for (const port of refs(instance.network)) {
      const p = ports[port.split('.')[1]];
      for (const g of refs(p?.security_group_ids)) add(g, who);
    }
  }
  for (const [name, lb] of Object.entries(json.resource?.openstack_lb_loadbalancer_v2 ?? {})) {
    for (const g of refs(lb.security_group_ids))
      add(g, names.get(`openstack_lb_loadbalancer_v2.${name}`) ?? name);
  }
  for (const [name, port] of Object.entries(ports)) {
    if (
      Object.values(json.resource?.openstack_compute_instance_v2 ?? {}).some((i) =>
        refs(i.network).includes(`openstack_networking_port_v2.${name}`),
      )
    )
      continue;
    for (const g of refs(port.security_group_ids)) add(g, `port ${String(port.name ?? name)}`);
  }
  return out;
}

interface Opening {
  readonly address: string;
  readonly who: string[];
  readonly key: string;
  readonly cidr?: string;
}

/** The CIDR-based ingress rules of one side: who they protect, what they open, from where. */
function openings(
  json: StackJson,
  values: Map<string, Record<string, unknown>>,
  names: Map<string, string>,
): Opening[] {
  const groups = protectedBy(json, names);
  return Object.entries(json.resource?.openstack_networking_secgroup_rule_v2 ?? {})
    .filter(([, r]) => r.direction === 'ingress')
    .map(([name, r]) => {
      const address = `openstack_networking_secgroup_rule_v2.${name}`;
      const v = values.get(address) ?? {};
      const group = refs(r.security_group_id)[0] ?? '';
      const prefix = v.remote_ip_prefix;
      return {
        address,
        who: groups.get(group) ?? [group],
        key: [v.ethertype, v.protocol, v.port_range_min, v.port_range_max].join(' '),
        ...(typeof prefix === 'string' && prefix !== ''
          ? { cidr: prefix }
          : v.remote_group_id
            ? {}
            : { cidr: '0.0.0.0/0' }),
      };
    });
}

/** What Terraform's plan implies, judged from its actions and values alone. */
function terraformVerdict(plan: PlanJson, baseJson: StackJson, headJson: StackJson): Verdict {
  const v: Verdict = { replace: [], destroy: [], failure: [], exposure: [], pushes: [] };
  const volume = (t: string): boolean => /^openstack_blockstorage_volume_v\d$/.test(t);
  const changes = plan.resource_changes.filter((r) => r.mode === 'managed');
  const created = new Set(changes.filter((r) => r.change.actions.join() === 'create').map((r) => r.type));
  for (const r of changes) {
    const a = r.change.actions.join(',');
    const replaced = a === 'delete,create' || a === 'create,delete';
    if (r.type === 'terraform_data') {
      if (replaced) v.pushes.push(r.address);
      continue;
    }
    const guarded = (side: StackJson): boolean => {
      const lifecycle = body(side, r.address)?.lifecycle as Record<string, unknown> | undefined;
      return lifecycle?.prevent_destroy === true;
    };
    if (replaced) (volume(r.type) ? v.destroy : v.replace).push(r.address);
    if (a === 'delete') {
      if (volume(r.type) || guarded(baseJson)) v.destroy.push(r.address);
      else if (
        created.has(r.type) &&
        [
          'openstack_compute_instance_v2',
          'openstack_networking_floatingip_v2',
          'openstack_lb_loadbalancer_v2',
        ].includes(r.type)
      )
        v.replace.push(r.address);
    }
    if (a === 'update') {
      const before = r.change.before ?? {};
      const after = r.change.after ?? {};
      if (
        r.type === 'openstack_compute_instance_v2' &&
        (before.image_name !== after.image_name || before.image_id !== after.image_id)
      )
        v.replace.push(r.address);
      if (guarded(baseJson) && !guarded(headJson)) v.destroy.push(r.address);
      if (volume(r.type) && Number(after.size) < Number(before.size)) v.failure.push(r.address);
    }
  }
  // Exposure: a CIDR rule that admits, to the hosts it protects, a network no prior rule admitted.
  const prior = new Map(
    (plan.prior_state?.values?.root_module?.resources ?? []).map((r) => [r.address, r.values]),
  );
  const planned = new Map(
    (plan.planned_values.root_module.resources ?? []).map((r) => [r.address, r.values]),
  );
  const names = (m: Map<string, Record<string, unknown>>): Map<string, string> =>
    new Map([...m].filter(([, x]) => typeof x.name === 'string').map(([a, x]) => [a, String(x.name)]));
  const before = openings(baseJson, prior, names(prior));
  const actions = new Map(changes.map((r) => [r.address, r.change.actions.join(',')]));
  for (const o of openings(headJson, planned, names(planned))) {
    const action = actions.get(o.address);
    if (!o.cidr || !action || !['create', 'delete,create', 'create,delete', 'update'].includes(action))
      continue;
    const inner = parseCidr(o.cidr);
    const admitted = before.some((b) => {
      const outer = b.cidr ? parseCidr(b.cidr) : undefined;
      return (
        b.key === o.key &&
        o.who.every((w) => b.who.includes(w)) &&
        outer !== undefined &&
        inner !== undefined &&
        cidrContains(outer, inner)
      );
    });
    if (!admitted) v.exposure.push(o.address);
  }
  for (const k of Object.keys(v) as Array<keyof Verdict>) v[k] = [...new Set(v[k])].sort();
  return v;
}

/** What the review says about one stack. */
function reviewVerdict(result: ReviewResult, stack: string): Verdict {
  const flags = result.flags.filter((f) => f.stack === stack);
  const of = (kind: string): string[] =>
    [...new Set(flags.filter((f) => f.kind === kind).flatMap((f) => f.resources))].sort();
  const diff = result.stacks.find((s) => s.name === stack)?.diff;
  return {
    replace: of('replace'),
    destroy: of('destroy'),
    failure: of('failure'),
    exposure: of('exposure').filter((a) => a.startsWith('openstack_networking_secgroup_rule_v2.')),
    pushes: (diff?.changes ?? [])
      .filter((c) => c.action === 'replace' && c.type === 'terraform_data')
      .map((c) => c.address)
      .sort(),
  };
}

function tfsim(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(SHARED_TOOLS, 'tfsim'),
      args,
      { timeout: 1100000, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describeWithTools(['terraform', 'tfsim'], 'webfarm review agrees with Terraform on realistic changes', () => {
  let root: string;
  let baseDir: string;
  let headDir: string;
  let result: ReviewResult;
  const verdicts = new Map<string, Verdict>();
  let planOutput = '';

  beforeAll(async () => {
    root = tempDir('webfarm-review-tf-');
    baseDir = path.join(root, 'base');
    headDir = path.join(root, 'head');
    const baseApp = new App({ outdir: baseDir });
    const headApp = new App({ outdir: headDir });
    for (const [name, before, after] of CHANGES) {
      build(baseApp, name, before);
      build(headApp, name, after);
    }
    baseApp.synth();
    headApp.synth();
    for (const [name, , , baseEdit, headEdit] of CHANGES) {
      for (const [dir, edit] of [
        [baseDir, baseEdit],
        [headDir, headEdit],
      ] as const) {
        if (!edit) continue;
        const json = readStack(dir, name);
        edit(json);
        fs.writeFileSync(path.join(dir, 'stacks', name, 'cdk.tf.json'), JSON.stringify(json, null, 2));
      }
    }
    const out = path.join(root, 'plans');
    fs.mkdirSync(out);
    // One Terraform run for every change: the stacks are planned two at a time.
    const run = await tfsim(['plan', '-j', '2', '--base', baseDir, headDir, '--json', `${out}/`]);
    planOutput = run.output;
    result = review({ dir: headDir, base: baseDir });
    for (const [name] of CHANGES) {
      const file = path.join(out, `${name}.json`);
      if (!fs.existsSync(file)) continue;
      const plan = JSON.parse(fs.readFileSync(file, 'utf8')) as PlanJson;
      verdicts.set(name, terraformVerdict(plan, readStack(baseDir, name), readStack(headDir, name)));
    }
  }, 1200000);

  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('covers at least 25 changes', () => {
    expect(CHANGES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(CHANGES.map(([name]) => [name]))(
    '%s: replace, destroy, failure, exposure and pushes are Terraform’s',
    (name) => {
      const ours = reviewVerdict(result, name);
      const theirs = verdicts.get(name);
      if (!theirs) {
        const errors = planOutput.split('\n').filter((l) => l.includes(name) || /Error|error:/.test(l));
        throw new Error(`tfsim planned no ${name}:\n${errors.slice(0, 40).join('\n')}`);
      }
      expect(ours).toEqual(theirs);
    },
  );

  it('octavia-flavor-variable: the variable default replaces the load balancer and what hangs under it', () => {
    const ours = reviewVerdict(result, 'octavia-flavor-variable');
    expect(ours.replace.some((a) => a.startsWith('openstack_lb_loadbalancer_v2.'))).toBe(true);
    expect(ours.replace.length).toBeGreaterThanOrEqual(10);
    expect(result.markdown).toMatch(
      /ForceNew `flavor_id` reads `var\.octavia_flavor_id`, whose value changes/,
    );
  });

  it('octavia-certificate-variable: the listener is updated in place, shown as a change', () => {
    const diff = result.stacks.find((s) => s.name === 'octavia-certificate-variable')?.diff;
    const listener = diff?.changes.find((c) =>
      c.address.startsWith('openstack_lb_listener_v2.Lb_Listener-https_'),
    );
    expect(listener?.action).toBe('update');
    expect(listener?.inputs.map((r) => r.via)).toContain('var.certificate_container_ref');
  });

  it('ignored-user-data: host files Terraform ignores are not shown as changes', () => {
    const diff = result.stacks.find((s) => s.name === 'ignored-user-data')?.diff;
    expect(diff?.files.filter((f) => f.delivery === 'cloud-init')).toEqual([]);
  });
});
