import { execFile, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack } from '../../lib/core/cdk';
import { Algorithm } from '../../lib/core/balancing';
import { main } from '../../lib/cli/main';
import { review, ReviewResult } from '../../lib/cli/review';
import { formatPath } from '../../lib/cli/review-diff';
import { Network } from '../../lib/openstack/network';
import { NginxBalancer } from '../../lib/openstack/nginx-balancer';
import { OctaviaBalancer } from '../../lib/openstack/octavia';
import { RedisHost } from '../../lib/openstack/redis-host';
import { WorkerGroup } from '../../lib/openstack/worker-group';
import { describeWithTools, ROOT, SHARED_TOOLS, tempDir } from '../support/tools';

/** One version of the reviewed app: two stacks built with the real constructs. */
interface Variant {
  /** Workers behind nginx (default 2). */
  readonly workers?: number;
  /** The workers' image (default debian-12). */
  readonly image?: string;
  /** Boot the workers from a volume of this size (the image becomes block_device.0.uuid). */
  readonly bootVolumeGb?: number;
  /** An environment value of the workers: it lands in their user data (default hello). */
  readonly greeting?: string;
  /** A literal secret in a file of the workers: it must never be printed. */
  readonly token?: string;
  /** Who may use nginx listener 'http' (default 203.0.113.0/24). */
  readonly listenerCidrs?: string[];
  /** Who may use Octavia listener 'http' (default 203.0.113.0/24). */
  readonly octaviaCidrs?: string[];
  /** A Redis host with its data volume (prevent_destroy) and generated password (default true). */
  readonly redis?: boolean;
  /** A keepalived pair of nginx hosts instead of one. */
  readonly pair?: boolean;
  /** The port of the Octavia listener (default 80). */
  readonly octaviaPort?: number;
}

const ADMIN = '198.51.100.0/24';
const OFFICE = '203.0.113.0/24';
const TOKEN_BEFORE = 'tok-7f3a9c-before';
const TOKEN_AFTER = 'tok-b81d44-after';

/** Stack `web`: workers behind an nginx host, Redis; stack `lb`: workers behind Octavia. */
function build(app: App, v: Variant): void {
  const web = new TerraformStack(app, 'web');
  const network = new Network(web, 'Network', { cidr: '10.20.0.0/24', externalNetworkName: 'public' });
  const workers = new WorkerGroup(web, 'Web', {
    network,
    name: 'web',
    count: v.workers ?? 2,
    image: v.image ?? 'debian-12',
    flavor: 'm1.small',
    appPort: 8080,
    environment: { GREETING: v.greeting ?? 'hello' },
    files: [{ path: '/etc/web/api.conf', content: `api_token = ${v.token ?? TOKEN_BEFORE}\n` }],
    ...(v.bootVolumeGb ? { bootVolumeSizeGb: v.bootVolumeGb } : {}),
  });
  const lb = new NginxBalancer(web, 'Balancer', {
    network,
    name: 'lb',
    image: 'debian-12',
    flavor: 'm1.small',
    floatingIpPool: 'public',
    ssh: { user: 'debian' },
    adminCidrs: [ADMIN],
    ...(v.pair ? { highAvailability: { vrrp: true } } : {}),
  });
  const pool = lb.addPool('web', { port: 8080, algorithm: Algorithm.roundRobin() });
  pool.addTarget(workers);
  lb.addListener('http', { port: 80, defaultPool: pool, allowedCidrs: v.listenerCidrs ?? [OFFICE] });
  if (v.redis !== false) {
    const redis = new RedisHost(web, 'Redis', {
      network,
      image: 'debian-12',
      flavor: 'm1.small',
      volumeSizeGb: 10,
    });
    redis.allowFrom(workers);
    workers.addEnvironment(redis.connectionEnv('APP_REDIS_'));
  }

  const octavia = new TerraformStack(app, 'lb');
  const net = new Network(octavia, 'Net', { cidr: '10.30.0.0/24', externalNetworkName: 'public' });
  const api = new WorkerGroup(octavia, 'Api', {
    network: net,
    name: 'api',
    count: 2,
    image: 'debian-12',
    flavor: 'm1.small',
    appPort: 9000,
  });
  const balancer = new OctaviaBalancer(octavia, 'Lb', { network: net, floatingIpPool: 'public' });
  const apiPool = balancer.addPool('api', { port: 9000, healthCheck: { active: { path: '/health' } } });
  apiPool.addTarget(api);
  balancer.addListener('http', {
    port: v.octaviaPort ?? 80,
    defaultPool: apiPool,
    allowedCidrs: v.octaviaCidrs ?? [OFFICE],
  });
}

/** Synthesizes a variant into a fresh cdktf.out folder. */
function synth(v: Variant, root: string, name: string): string {
  const outdir = path.join(root, name);
  const app = new App({ outdir });
  build(app, v);
  app.synth();
  return outdir;
}

/** Runs the command in-process. */
function webfarm(args: string[], cwd = ROOT): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const status = main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd });
  return { status, stdout, stderr };
}

/** Runs `node bin/webfarm.js` as a child process. */
function webfarmProcess(args: string[], cwd = ROOT): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'webfarm.js'), ...args], {
    cwd,
    encoding: 'utf8',
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

const VARIANTS = {
  base: {},
  addWorker: { workers: 3 },
  userData: { greeting: 'bonjour', token: TOKEN_AFTER },
  image: { image: 'debian-13' },
  bootBase: { bootVolumeGb: 20 },
  bootImage: { bootVolumeGb: 20, image: 'debian-13' },
  openWorld: { listenerCidrs: ['0.0.0.0/0'], octaviaCidrs: ['0.0.0.0/0'] },
  noRedis: { redis: false },
  pair: { pair: true },
  pairWorld: { pair: true, listenerCidrs: ['0.0.0.0/0'], octaviaCidrs: ['0.0.0.0/0'] },
  octaviaPort: { octaviaPort: 8080 },
} satisfies Record<string, Variant>;
type VariantName = keyof typeof VARIANTS;

let root: string;
const dirs = {} as Record<VariantName, string>;

beforeAll(() => {
  root = tempDir('webfarm-review-');
  for (const [name, variant] of Object.entries(VARIANTS))
    dirs[name as VariantName] = synth(variant, root, name);
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** Reviews `after` against `before` in-process. */
function compare(before: VariantName, after: VariantName): ReviewResult {
  return review({ dir: dirs[after], base: dirs[before] });
}

/** The replaced resources of one stack with the attribute paths that replace them. */
function replacements(result: ReviewResult, stack: string): Record<string, string[]> {
  const diff = result.stacks.find((s) => s.name === stack)?.diff;
  return Object.fromEntries(
    (diff?.changes ?? [])
      .filter((c) => c.action === 'replace')
      .map((c) => [c.address, c.replace.map((r) => formatPath(r.path)).sort()]),
  );
}

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(heading);
  if (start < 0) return '';
  const next = markdown.indexOf('\n#### ', start + heading.length);
  return markdown.slice(start, next < 0 ? undefined : next);
}

describe('webfarm review: a worker is added behind nginx', () => {
  let result: ReviewResult;
  beforeAll(() => {
    result = compare('base', 'addWorker');
  });

  it('shows one member added and replaces only the configuration push', () => {
    // GIVEN the base and the same app with a third worker
    // WHEN reviewed
    // THEN the only replacement is the terraform_data push, listed as expected, not flagged
    expect(replacements(result, 'web')).toEqual({
      'terraform_data.Balancer_Hosts_Delivery_A59CE6C8': ['triggers_replace'],
    });
    expect(result.flags).toEqual([]);
    const md = result.markdown;
    expect(md).toContain('✅ Nothing flagged');
    expect(md).toMatch(
      /### 🔄 Expected: configuration pushed in place[\s\S]*`terraform_data\.Balancer_Hosts_Delivery_A59CE6C8`.*pushes to host `lb` again: `\/etc\/nginx\/webfarm\/pools\/web\.conf` changed/,
    );
    const members = section(md, '#### Pools and members');
    expect(members.match(/➕ added/g)).toHaveLength(1);
    expect(members).toMatch(
      /\| nginx lb \| `web` \(http, round-robin\) \| web-3 `Web\/Node-web-3 port` \| 8080 \| ➕ added \|/,
    );
    expect(md).toMatch(
      /\*\*\d+ to add, 0 to change, 1 to replace \(1 configuration push\), 0 to destroy\*\*/,
    );
  });

  it('leaves the balancer instance, its port and floating IP alone', () => {
    const diff = result.stacks.find((s) => s.name === 'web')?.diff;
    const touched = (diff?.changes ?? []).map((c) => c.address).filter((a) => a.includes('Balancer_'));
    expect(touched).toEqual(['terraform_data.Balancer_Hosts_Delivery_A59CE6C8']);
    expect(result.markdown).not.toMatch(/⚠️ \*\*replace\*\*/);
  });

  it('draws internet → floating IP → balancer → pool → members, the new member marked', () => {
    const stack = result.markdown.slice(result.markdown.indexOf('### Stack `web`'));
    const mermaid = /```mermaid\n([\s\S]*?)```/.exec(stack)?.[1] ?? '';
    const id = (label: RegExp): string =>
      new RegExp(`^\\s*(n\\d+)\\S*${label.source}`, 'm').exec(mermaid)?.[1] ?? '?';
    const internet = id(/\(\("Internet"\)\)/);
    const fip = id(
      /\[\/"floating IP<br\/>Balancer\/Hosts\/FloatingIp<br\/>on Balancer\/Hosts\/Host port"\/\]/,
    );
    const balancer = id(/\{\{"nginx lb"\}\}/);
    const pool = id(/\["pool web<br\/>round-robin"\]/);
    const web3 = id(/\["web-3"\]/);
    expect(mermaid).toMatch(/^flowchart LR/);
    expect(mermaid).toContain(`${internet} --> ${fip}`);
    expect(mermaid).toContain(`${fip} -->|"http 80"| ${balancer}`);
    expect(mermaid).toContain(`${balancer} -->|"http 80"| ${pool}`);
    for (const w of ['web-1', 'web-2'])
      expect(mermaid).toContain(`${pool} -->|":8080"| ${id(new RegExp(`\\["${w}"\\]`))}`);
    expect(mermaid).toContain(`${pool} -->|":8080 added"| ${web3}`);
    expect(mermaid).toContain(`class ${web3} added`);
  });

  it('tells who can reach what from the security groups', () => {
    const reach = section(result.markdown, '#### Who can reach what');
    expect(reach).toContain(
      '| group `Balancer/Hosts/SecurityGroup` (lb) | `Web/SecurityGroup` (web-1, web-2, web-3) | 8080 | tcp |',
    );
    expect(reach).toContain('| `203.0.113.0/24` | `Balancer/Hosts/SecurityGroup` (lb) | 80 | tcp |');
    expect(reach).toContain('| `198.51.100.0/24` | `Balancer/Hosts/SecurityGroup` (lb) | 22 | tcp |');
    expect(reach).toContain(
      '| group `Web/SecurityGroup` (web-1, web-2, web-3) | `Redis/SecurityGroup` (redis) | 6379 | tcp |',
    );
  });
});

describe('webfarm review: ForceNew replacements', () => {
  it('WHEN the workers’ user data changes THEN their instances are flagged, naming user_data', () => {
    const result = compare('base', 'userData');
    const replaced = replacements(result, 'web');
    expect(replaced['openstack_compute_instance_v2.Web_Node-web-1_AB1DDCB6']).toEqual(['user_data']);
    expect(replaced['openstack_compute_instance_v2.Web_Node-web-2_0DE3947F']).toEqual(['user_data']);
    const flags = result.flags.filter((f) => f.kind === 'replace').map((f) => f.subject);
    expect(flags).toEqual([
      'openstack_compute_instance_v2.Web_Node-web-1_AB1DDCB6',
      'openstack_compute_instance_v2.Web_Node-web-2_0DE3947F',
    ]);
    expect(result.markdown).toMatch(
      /⚠️ \*\*replace\*\* · `web` · `openstack_compute_instance_v2\.Web_Node-web-1_AB1DDCB6` \(Web\/Node-web-1, host web-1\): replaced: ForceNew `user_data` changed/,
    );
    // Flags come before the topology.
    expect(result.markdown.indexOf('⚠️ **replace**')).toBeLessThan(result.markdown.indexOf('#### Topology'));
  });

  it('WHEN the image changes (booting from the image) THEN nothing is replaced, the rebuild is flagged', () => {
    const result = compare('base', 'image');
    expect(replacements(result, 'web')).toEqual({});
    const diff = result.stacks.find((s) => s.name === 'web')?.diff;
    const workers =
      diff?.changes.filter((c) => c.address.startsWith('openstack_compute_instance_v2.Web_')) ?? [];
    expect(workers.map((c) => [c.action, c.changed.map(formatPath)])).toEqual([
      ['update', ['image_name']],
      ['update', ['image_name']],
    ]);
    expect(result.markdown).toContain('rebuilt in place: `image_name` changed (not ForceNew');
  });

  it('WHEN the image of volume-booted workers changes THEN block_device.0.uuid (from the image data source) replaces them', () => {
    const result = compare('bootBase', 'bootImage');
    const replaced = replacements(result, 'web');
    expect(replaced['openstack_compute_instance_v2.Web_Node-web-1_AB1DDCB6']).toEqual([
      'block_device.0.uuid',
    ]);
    expect(result.markdown).toMatch(
      /ForceNew `block_device\.0\.uuid` comes from `Web\/Node-web-1\/Image`, read again with new arguments/,
    );
  });
});

describe('webfarm review: exposure and destroyed data', () => {
  it('WHEN listeners open to 0.0.0.0/0 THEN both are flagged as broadened exposure', () => {
    const result = compare('base', 'openWorld');
    const exposure = result.flags.filter((f) => f.kind === 'exposure');
    expect(exposure.map((f) => [f.stack, f.subject])).toEqual([
      ['lb', 'openstack_lb_listener_v2.Lb_Listener-http_36FB1AD2'],
      ['web', 'nginx lb listener http'],
    ]);
    expect(result.markdown).toMatch(
      /⚠️ \*\*exposure\*\* · `web` · `nginx lb listener http` \(nginx lb: listener `http` \(http 80\)\): allowed networks widened: `0\.0\.0\.0\/0` \(before: `203\.0\.113\.0\/24`\)/,
    );
    expect(result.markdown).toMatch(
      /⚠️ \*\*exposure\*\* · `lb` · .*allowed networks widened: `0\.0\.0\.0\/0`/,
    );
  });

  it('WHEN a world-open host becomes a keepalived pair THEN its listener is no new exposure, the host replacement is flagged', () => {
    const result = compare('openWorld', 'pairWorld');
    expect(result.flags.filter((f) => f.kind === 'exposure')).toEqual([]);
    expect(result.flags.map((f) => f.subject)).toContain(
      'openstack_compute_instance_v2.Balancer_Hosts_Host_4C0C3153',
    );
    expect(result.markdown).toMatch(/ForceNew `scheduler_hints` changed; ForceNew `user_data` changed/);
    expect(result.markdown).toMatch(/n\d+\{\{"nginx lb-1 \+ lb-2 \(keepalived VIP\)"\}\}/);
  });

  it('WHEN a world rule is added outside a listener THEN it is flagged; with --fail-on exposure the exit is 1', () => {
    // GIVEN the base with a hand-added rule opening SSH on the workers to the world
    const after = path.join(root, 'sshWorld');
    fs.cpSync(dirs.base, after, { recursive: true });
    const file = path.join(after, 'stacks', 'web', 'cdk.tf.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      resource: Record<string, Record<string, unknown>>;
    };
    json.resource.openstack_networking_secgroup_rule_v2.SshWorld = {
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      port_range_min: 22,
      port_range_max: 22,
      remote_ip_prefix: '0.0.0.0/0',
      security_group_id: '${openstack_networking_secgroup_v2.Web_SecurityGroup_F444D504.id}',
    };
    fs.writeFileSync(file, JSON.stringify(json));
    // WHEN reviewed with and without a base
    const changed = webfarm(['review', '--base', dirs.base, after, '--fail-on', 'exposure']);
    const alone = webfarm(['review', after, '--fail-on=exposure']);
    // THEN it is flagged both ways, and the gate fails
    expect(changed.status).toBe(1);
    expect(changed.stderr).toBe('webfarm review: 1 finding(s) selected by --fail-on (exposure: 1)\n');
    expect(changed.stdout).toMatch(
      /⚠️ \*\*exposure\*\* · `web` · `openstack_networking_secgroup_rule_v2\.SshWorld` \(tcp\/22 on `Web\/SecurityGroup` \(web-1, web-2\)\): newly open to the world `0\.0\.0\.0\/0`/,
    );
    expect(alone.status).toBe(1);
    expect(alone.stdout).toContain('open to the world (`0.0.0.0/0`), and not a balancer listener');
    // The example stacks have no such rule: balancer listeners only.
    expect(webfarm(['review', dirs.base, '--fail-on', 'exposure']).status).toBe(0);
  });

  it('WHEN the Redis host is removed THEN its prevent_destroy volume is flagged as destroyed', () => {
    const result = compare('base', 'noRedis');
    const destroyed = result.flags.filter((f) => f.kind === 'destroy');
    expect(destroyed.map((f) => f.subject)).toEqual([
      'openstack_blockstorage_volume_v3.Redis_Server_Volume-data_BFC2CCF7',
    ]);
    expect(result.markdown).toContain(
      'removed from the configuration, so its `prevent_destroy` no longer protects it — Terraform deletes it and its data',
    );
    // The workers lose their APP_REDIS_* environment: new user data, so they are replaced too.
    expect(result.flags.filter((f) => f.kind === 'replace').map((f) => f.subject)).toEqual([
      'openstack_compute_instance_v2.Web_Node-web-1_AB1DDCB6',
      'openstack_compute_instance_v2.Web_Node-web-2_0DE3947F',
    ]);
    const gate = webfarm(['review', '--base', dirs.base, dirs.noRedis, '--fail-on', 'destroy']);
    expect([gate.status, gate.stderr]).toEqual([
      1,
      'webfarm review: 1 finding(s) selected by --fail-on (destroy: 1)\n',
    ]);
    expect(
      webfarm(['review', '--base', dirs.base, dirs.addWorker, '--fail-on', 'replace,destroy,exposure'])
        .status,
    ).toBe(0);
    expect(webfarm(['review', '--base', dirs.base, dirs.userData, '--fail-on', 'all']).status).toBe(1);
  });
});

describe('webfarm review: secrets and Markdown', () => {
  it('never prints a secret: generated passwords, literal tokens, sensitive outputs', () => {
    const result = compare('base', 'userData');
    const md = result.markdown;
    expect(md).not.toContain(TOKEN_BEFORE);
    expect(md).not.toContain(TOKEN_AFTER);
    expect(md).not.toMatch(/random_password\.[\w-]+\.result/);
    expect(md).toContain('-api_token = (sensitive)\n+api_token = (sensitive)');
    expect(md).toContain("-GREETING='hello'\n+GREETING='bonjour'");
    expect(md).toMatch(
      /ForceNew `user_data` changed \(cloud-init files: `\/etc\/web\/api\.conf`, `\/etc\/webfarm\/web\.env`\)/,
    );
    // Removing Redis removes the password from the workers' environment and redis.conf.
    const removed = compare('base', 'noRedis').markdown;
    expect(removed).toContain('-APP_REDIS_PASSWORD=(sensitive)');
    expect(removed).toMatch(/-requirepass \(sensitive\)/);
    expect(removed).toContain('`random_password.Redis_Password_BFB8017A`'); // its address, not its value
    expect(removed).not.toMatch(/\.result\b/);
    // The Redis password reaches the workers' environment: shown as (sensitive) only.
    const alone = review({ dir: dirs.base }).markdown;
    expect(alone).not.toContain(TOKEN_BEFORE);
    expect(`${md}${alone}`).not.toMatch(/\.result\b/);
  });

  it('escapes pipes and backticks in cells and bounds the size', () => {
    const after = path.join(root, 'odd');
    fs.cpSync(dirs.base, after, { recursive: true });
    const file = path.join(after, 'stacks', 'web', 'cdk.tf.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      resource: Record<string, Record<string, Record<string, unknown>>>;
    };
    const rule = Object.values(json.resource.openstack_networking_secgroup_rule_v2).find(
      (r) => r.direction === 'ingress',
    ) as Record<string, unknown>;
    rule.description = 'a|b `c` <d>';
    fs.writeFileSync(file, JSON.stringify(json));
    const md = review({ dir: after, base: dirs.base }).markdown;
    expect(md).toContain('a\\|b \\`c\\` &lt;d&gt;');
    expect(md.length).toBeGreaterThan(1500);
    const small = review({ dir: after, base: dirs.base, maxChars: 1500 }).markdown;
    expect(small.length).toBeLessThanOrEqual(1500);
    expect(small).toContain('⚠️ **replace**');
    expect(small).toContain(
      'Some stack sections show less detail to keep this comment under 1500 characters',
    );
    expect(small).toContain('#### Changes');
  });
});

describe('webfarm review on the command line', () => {
  it('prints the comment from a child process (npx webfarm review --base …)', () => {
    const result = webfarmProcess(['review', '--base', dirs.base, dirs.addWorker]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^## webfarm review\n/);
    expect(result.stdout).toContain('```mermaid');
  });

  it('reads ./cdktf.out by default and gives the same comment every time', () => {
    const project = path.join(root, 'project');
    fs.cpSync(dirs.base, path.join(project, 'cdktf.out'), { recursive: true });
    const first = webfarm(['review'], project);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('### Stack `lb`');
    expect(webfarm(['review'], project).stdout).toBe(first.stdout);
    expect(webfarm(['review', '--base', 'cdktf.out'], project).stdout).toContain(
      'Unchanged stacks: `lb`, `web`.',
    );
    const missing = webfarm(['review'], root);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cdktf\.out does not exist or is not a folder: synthesize first/);
  });

  it.each([
    [['review', '--bogus'], /unknown option "--bogus"/],
    [['review', 'a', 'b'], /unexpected argument "b"/],
    [['review', '--base'], /--base needs a folder/],
    [['review', '--fail-on', 'everything'], /--fail-on: unknown kind "everything"/],
    [['review', '/nonexistent-webfarm-dir'], /does not exist or is not a folder/],
    [['review', '--base', '/nonexistent-webfarm-dir', 'BASE'], /does not exist or is not a folder/],
  ])('WHEN %j THEN usage error (exit 2)', (args, message) => {
    const result = webfarm(args.map((a) => (a === 'BASE' ? dirs.base : a)));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('has help, and configs still works beside it', () => {
    expect(webfarm(['review', '--help']).stdout).toMatch(/^Usage: webfarm review/);
    expect(webfarm(['--help']).stdout).toContain('review [--base BASE_DIR] [DIR]');
    const out = tempDir('webfarm-review-configs-');
    expect(webfarm(['configs', dirs.base, '--out', out]).status).toBe(0);
    fs.rmSync(out, { recursive: true, force: true });
  });
});

interface PlannedChange {
  readonly address: string;
  readonly change: { readonly actions: string[]; readonly replace_paths?: Array<Array<string | number>> };
}

function tfsimPlan(base: string, next: string, out: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(SHARED_TOOLS, 'tfsim'),
      ['plan', '--base', base, next, '--json', `${out}/`],
      { timeout: 300000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

/** A copy of a cdktf.out with only one stack (keeps the Terraform runs short). */
function oneStack(dir: string, stack: string, name: string): string {
  const out = path.join(root, 'tfsim', name);
  fs.mkdirSync(path.join(out, 'stacks'), { recursive: true });
  fs.cpSync(path.join(dir, 'stacks', stack), path.join(out, 'stacks', stack), { recursive: true });
  return out;
}

describeWithTools(['terraform', 'tfsim'], 'webfarm review agrees with Terraform (tfsim plan --base)', () => {
  // [base, change, stack]: our replacements (with their attribute paths) must be Terraform's.
  const CASES: Array<[VariantName, VariantName, string]> = [
    ['base', 'addWorker', 'web'], // only the push
    ['base', 'userData', 'web'], // user_data
    ['base', 'image', 'web'], // nothing (a rebuild)
    ['bootBase', 'bootImage', 'web'], // block_device.0.uuid, from a data source read again
    ['base', 'pair', 'web'], // a VIP port added: allowed_address_pairs change in place
    ['base', 'octaviaPort', 'lb'], // listener replaced, then its pool, members, monitor
  ];
  const plans = new Map<string, Record<string, string[]>>();

  beforeAll(async () => {
    await Promise.all(
      CASES.map(async ([before, after, stack]) => {
        const key = `${before}→${after}`;
        const out = path.join(root, 'tfsim', `plan-${after}`);
        fs.mkdirSync(out, { recursive: true });
        const result = await tfsimPlan(
          oneStack(dirs[before], stack, `${after}-base`),
          oneStack(dirs[after], stack, after),
          out,
        );
        if (result.code !== 0) throw new Error(`tfsim plan ${key} failed:\n${result.output}`);
        const plan = JSON.parse(fs.readFileSync(path.join(out, `${stack}.json`), 'utf8')) as {
          resource_changes: PlannedChange[];
        };
        plans.set(
          key,
          Object.fromEntries(
            plan.resource_changes
              .filter((r) => r.change.actions.includes('delete') && r.change.actions.includes('create'))
              .map((r) => [
                r.address,
                (r.change.replace_paths ?? []).map((p) => p.map(String).join('.')).sort(),
              ]),
          ),
        );
      }),
    );
  }, 300000);

  it.each(CASES)(
    '%s → %s (%s): the same resources are replaced, for the same attributes',
    (before, after, stack) => {
      const ours = replacements(compare(before, after), stack);
      expect(ours).toEqual(plans.get(`${before}→${after}`));
      if (after === 'octaviaPort') expect(Object.keys(ours)).toHaveLength(4);
      if (after === 'userData') expect(Object.keys(ours)).toHaveLength(2);
    },
  );
});
