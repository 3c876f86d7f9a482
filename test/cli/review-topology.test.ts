/**
 * `webfarm review` from the balancers' topology records, and a comment that degrades instead of
 * dropping sections: a big stack keeps its change table next to small ones, the Mermaid diagram
 * stays under Mermaid's edge limit, members sort naturally.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack } from '../../lib/core/cdk';
import { TOPOLOGY_KEY } from '../../lib/core/topology';
import { review } from '../../lib/cli/review';
import { Network } from '../../lib/openstack/network';
import { NginxBalancer } from '../../lib/openstack/nginx-balancer';
import { WorkerGroup } from '../../lib/openstack/worker-group';
import { tempDir } from '../support/tools';

/** A stack `name`: `count` workers behind an nginx host. */
function webStack(app: App, name: string, count: number, cidrs = ['203.0.113.0/24']): void {
  const stack = new TerraformStack(app, name);
  const network = new Network(stack, 'Network', { cidr: '10.20.0.0/24', externalNetworkName: 'public' });
  const workers = new WorkerGroup(stack, 'Web', {
    network,
    name: 'web',
    count,
    image: 'debian-12',
    flavor: 'm1.small',
    appPort: 8080,
  });
  const lb = new NginxBalancer(stack, 'Balancer', {
    network,
    name: 'lb',
    image: 'debian-12',
    flavor: 'm1.small',
    floatingIpPool: 'public',
    ssh: { user: 'debian' },
    adminCidrs: ['198.51.100.0/24'],
  });
  const pool = lb.addPool('web', { port: 8080 });
  pool.addTarget(workers);
  lb.addListener('http', { port: 80, defaultPool: pool, allowedCidrs: cidrs });
}

let root: string;
beforeAll(() => {
  root = tempDir('webfarm-review-topology-');
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function synth(name: string, build: (app: App) => void): string {
  const outdir = path.join(root, name);
  const app = new App({ outdir });
  build(app);
  app.synth();
  return outdir;
}

type StackJson = { resource: Record<string, Record<string, Record<string, unknown>>> };

function stackFile(dir: string, stack: string): string {
  return path.join(dir, 'stacks', stack, 'cdk.tf.json');
}

describe('webfarm review reads balancers from the topology record', () => {
  it('WHEN the rendered files lose every comment THEN pools, members and listeners are the same', () => {
    // GIVEN a synthesized stack, and a copy whose host files have no comment lines at all
    const dir = synth('record', (app) => webStack(app, 'web', 2));
    const stripped = path.join(root, 'record-stripped');
    fs.cpSync(dir, stripped, { recursive: true });
    const file = stackFile(stripped, 'web');
    const text = fs.readFileSync(file, 'utf8');
    const json = JSON.parse(text) as StackJson;
    for (const resources of Object.values(json.resource)) {
      for (const body of Object.values(resources)) {
        // The files' text: inline in the manifest (cloud-init) or in the push's uploads (SSH).
        const manifest = (body['//'] as Record<string, { files?: Array<{ content: unknown }> }> | undefined)
          ?.webfarm;
        const uploads = ((body.provisioner ?? []) as Array<{ file?: { content: string } }>).flatMap((p) =>
          p.file ? [p.file] : [],
        );
        for (const f of [...(manifest?.files ?? []), ...uploads]) {
          if (typeof f.content === 'string') f.content = f.content.replace(/^\s*#.*$/gm, '');
        }
      }
    }
    fs.writeFileSync(file, JSON.stringify(json));
    // WHEN both are reviewed
    const [a, b] = [dir, stripped].map((d) => review({ dir: d }).stacks[0].after?.balancers);
    // THEN the balancers are the same, read from the record
    expect(b).toEqual(a);
    expect(a?.map((x) => [x.key, x.kind, x.label])).toEqual([['Balancer', 'nginx', 'nginx lb']]);
    expect(a?.[0].pools.map((p) => [p.name, p.algorithm, p.managed, p.members.map((m) => m.host)])).toEqual([
      ['web', 'round-robin', 'terraform', ['web-1', 'web-2']],
    ]);
    expect(a?.[0].listeners.map((l) => [l.name, l.port, l.allowed, l.pools])).toEqual([
      ['http', '80', ['203.0.113.0/24'], ['web']],
    ]);
  });

  it('WHEN a stack carries a record of another backend THEN it is reviewed like the others', () => {
    // GIVEN a hand-written stack with a "docker" balancer record and a run-time managed pool
    const dir = path.join(root, 'docker');
    fs.mkdirSync(path.join(dir, 'stacks', 'twin'), { recursive: true });
    const record = {
      balancer: 'twin/Lb',
      backend: 'docker',
      name: 'twin-lb',
      hosts: [],
      entries: ['docker_container.lb'],
      securityGroups: [],
      resources: ['docker_container.lb'],
      listeners: [
        { name: 'http', port: 8080, protocol: 'http', pools: ['app'], reachableFrom: ['127.0.0.1/32'] },
      ],
      pools: [
        {
          name: 'app',
          protocol: 'http',
          algorithm: 'least-connections',
          managed: 'runtime',
          members: [
            { name: 'app-10', host: 'app-10', port: 80 },
            { name: 'app-2', host: 'app-2', port: 80 },
          ],
        },
      ],
    };
    fs.writeFileSync(
      stackFile(dir, 'twin'),
      JSON.stringify({
        resource: {
          docker_container: { lb: { name: 'lb', image: 'nginx:1.27', '//': { [TOPOLOGY_KEY]: record } } },
        },
      }),
    );
    // WHEN reviewed
    const result = review({ dir });
    // THEN the balancer, its pool (run-time managed) and members in natural order are shown
    expect(result.stacks[0].after?.balancers.map((b) => b.label)).toEqual(['docker twin-lb']);
    expect(result.markdown).toContain('`app` (http, least-connections, members managed at run time)');
    expect(result.markdown.indexOf('`app-2`')).toBeLessThan(result.markdown.indexOf('`app-10`'));
    expect(result.markdown).toMatch(/\{\{"docker twin-lb"\}\}/);
  });

  it('WHEN a record is malformed THEN the review says which resource and what (exit 1)', () => {
    const dir = path.join(root, 'bad');
    fs.mkdirSync(path.join(dir, 'stacks', 'bad'), { recursive: true });
    fs.writeFileSync(
      stackFile(dir, 'bad'),
      JSON.stringify({ resource: { null_resource: { x: { '//': { [TOPOLOGY_KEY]: { balancer: 'x' } } } } } }),
    );
    expect(() => review({ dir })).toThrow(
      /null_resource\.x: malformed webfarm topology record: backend is not a string/,
    );
  });

  it('WHEN a member names an address the record does not have THEN the review says which (exit 1)', () => {
    const dir = path.join(root, 'bad-address');
    fs.mkdirSync(path.join(dir, 'stacks', 'bad'), { recursive: true });
    const record = {
      balancer: 'x',
      backend: 'nginx',
      name: 'x',
      ...{ hosts: [], entries: [], securityGroups: [], resources: [], listeners: [] },
      addresses: ['10.0.0.1'],
      pools: [
        {
          name: 'web',
          members: [
            { name: 'a', address: 0, port: 80 },
            { name: 'b', address: 1, port: 80 },
          ],
        },
      ],
    };
    fs.writeFileSync(
      stackFile(dir, 'bad'),
      JSON.stringify({
        resource: { null_resource: { x: { '//': { [TOPOLOGY_KEY]: JSON.stringify(record) } } } },
      }),
    );
    expect(() => review({ dir })).toThrow(
      /null_resource\.x: malformed webfarm topology record: pools\[0\]\.members\[1\] names no address/,
    );
  });

  it('WHEN a record written as JSON text is not JSON THEN the review says so (exit 1)', () => {
    const dir = path.join(root, 'bad-text');
    fs.mkdirSync(path.join(dir, 'stacks', 'bad'), { recursive: true });
    fs.writeFileSync(
      stackFile(dir, 'bad'),
      JSON.stringify({ resource: { null_resource: { x: { '//': { [TOPOLOGY_KEY]: '{"balancer": ' } } } } }),
    );
    expect(() => review({ dir })).toThrow(/null_resource\.x: malformed webfarm topology record: not JSON/);
  });

  it('WHEN a stack is synthesized THEN its record is one JSON text with the references resolved', () => {
    const dir = synth('record-text', (app) => webStack(app, 'web', 2));
    const json = JSON.parse(fs.readFileSync(stackFile(dir, 'web'), 'utf8')) as StackJson;
    const texts = Object.values(json.resource).flatMap((resources) =>
      Object.values(resources).flatMap((body) => {
        const value = (body['//'] as Record<string, unknown> | undefined)?.[TOPOLOGY_KEY];
        return value === undefined ? [] : [value];
      }),
    );
    expect(texts).toHaveLength(1);
    expect(typeof texts[0]).toBe('string');
    const record = JSON.parse(texts[0] as string) as {
      addresses: string[];
      pools: Array<{ members: Array<{ address: number }> }>;
    };
    // Each member address once; members name theirs by index.
    expect(record.pools[0].members.map((m) => m.address)).toEqual([0, 1]);
    expect(record.addresses).toEqual([
      expect.stringMatching(/^\$\{element\(openstack_networking_port_v2\.[\w-]+\.all_fixed_ips, 0\)\}$/),
      expect.stringMatching(/^\$\{element\(openstack_networking_port_v2\.[\w-]+\.all_fixed_ips, 0\)\}$/),
    ]);
  });
});

describe('webfarm review degrades, never drops', () => {
  let base: string;
  let head: string;
  beforeAll(() => {
    // GIVEN a big stack growing from 2 to 170 workers (350 resources), and two small stacks with
    // a change each
    base = synth('big-base', (app) => {
      webStack(app, 'a-small', 2);
      webStack(app, 'big', 2);
      webStack(app, 'z-small', 2);
    });
    head = synth('big-head', (app) => {
      webStack(app, 'a-small', 3);
      webStack(app, 'big', 170);
      webStack(app, 'z-small', 2, ['0.0.0.0/0']);
    });
  }, 120000);

  it('keeps every changed stack’s change table within the limit', () => {
    const result = review({ dir: head, base, maxChars: 20000 });
    const md = result.markdown;
    expect(md.length).toBeLessThanOrEqual(20000);
    for (const stack of ['a-small', 'big', 'z-small']) {
      const start = md.indexOf(`### Stack \`${stack}\``);
      expect(start).toBeGreaterThan(0);
      const next = md.indexOf('\n### Stack', start + 1);
      expect(md.slice(start, next < 0 ? undefined : next)).toContain('#### Changes');
    }
    expect(md).not.toContain('more stack section');
    expect(md).toContain('Some stack sections show less detail');
    // The small stacks keep their detail: their member lists are there.
    expect(md).toMatch(
      /\| nginx lb \| `web` \(http, round-robin\) \| web-3 `Web\/Node-web-3 port` \| 8080 \| ➕ added \|/,
    );
    expect(result.flags.map((f) => [f.kind, f.stack])).toEqual([['exposure', 'z-small']]);
  });

  it('sorts members naturally and never cuts a resource address', () => {
    const md = review({ dir: head, base, maxChars: 1_000_000 }).markdown;
    const big = md.slice(md.indexOf('### Stack `big`'), md.indexOf('### Stack `z-small`'));
    const mermaid = /```mermaid\n([\s\S]*?)```/.exec(big)?.[1] ?? '';
    const drawn = [...mermaid.matchAll(/\["(web-\d+)"\]/g)].map((m) => m[1]);
    expect(drawn.slice(0, 11)).toEqual([
      'web-1',
      'web-2',
      'web-3',
      'web-4',
      'web-5',
      'web-6',
      'web-7',
      'web-8',
      'web-9',
      'web-10',
      'web-11',
    ]);
    const rows = big.split('\n').filter((l) => l.startsWith('| nginx lb | `web`'));
    const names = rows.map((r) => /\| (web-\d+) `/.exec(r)?.[1]).filter(Boolean);
    expect(names.slice(0, 11)).toEqual(drawn.slice(0, 11));
    expect(big).toMatch(/`openstack_compute_instance_v2\.Web_Node-web-10_[0-9A-F]{8}`/);
    expect(md).toContain('3 configuration pushes');
  });

  it('collapses members to "N members" past Mermaid’s edge limit', () => {
    // GIVEN a balancer record with 600 members, 100 of them new
    const write = (dir: string, count: number): void => {
      fs.mkdirSync(path.join(dir, 'stacks', 'wide'), { recursive: true });
      const members = Array.from({ length: count }, (_, i) => ({
        name: `m-${i + 1}`,
        host: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`,
        port: 80,
      }));
      const record = {
        balancer: 'wide/Lb',
        backend: 'docker',
        name: 'wide',
        hosts: [],
        entries: [],
        securityGroups: [],
        resources: [],
        listeners: [
          { name: 'http', port: 80, protocol: 'http', pools: ['app'], reachableFrom: ['10.0.0.0/8'] },
        ],
        pools: [{ name: 'app', protocol: 'http', algorithm: 'round-robin', managed: 'terraform', members }],
      };
      fs.writeFileSync(
        stackFile(dir, 'wide'),
        JSON.stringify({
          resource: { terraform_data: { lb: { input: count, '//': { [TOPOLOGY_KEY]: record } } } },
        }),
      );
    };
    write(path.join(root, 'wide-base'), 500);
    write(path.join(root, 'wide-head'), 600);
    // WHEN reviewed
    const md = review({ dir: path.join(root, 'wide-head'), base: path.join(root, 'wide-base') }).markdown;
    // THEN the diagram has one members node and stays far below 500 edges
    const mermaid = /```mermaid\n([\s\S]*?)```/.exec(md)?.[1] ?? '';
    expect(mermaid.split('\n').filter((l) => /-->|-\.->/.test(l)).length).toBeLessThan(10);
    expect(mermaid).toContain('600 members<br/>100 added');
  });
});

describe('review: a balancer status page', () => {
  function statusStack(dir: string, statusAllowedCidrs: string[]): void {
    const app = new App({ outdir: dir });
    const stack = new TerraformStack(app, 'status');
    const network = new Network(stack, 'Network', { cidr: '10.20.0.0/24', externalNetworkName: 'public' });
    const lb = new NginxBalancer(stack, 'Balancer', {
      network,
      name: 'lb',
      image: 'debian-12',
      flavor: 'm1.small',
      floatingIpPool: 'public',
      ssh: { user: 'debian' },
      adminCidrs: ['198.51.100.0/24'],
      statusAllowedCidrs,
    });
    const pool = lb.addPool('web', { port: 8080 });
    pool.addNodes(['10.20.0.50:8080']);
    lb.addListener('http', { port: 80, defaultPool: pool, allowedCidrs: ['0.0.0.0/0'] });
    app.synth();
  }

  it('GIVEN statusAllowedCidrs beyond private ranges THEN review names the status page and flags the exposure; private ranges and the admin networks are not flagged', () => {
    const [open, internal, before] = [tempDir(), tempDir(), tempDir()];
    statusStack(open, ['203.0.113.0/24']);
    statusStack(internal, ['10.0.0.0/8']);
    statusStack(before, []);
    const admins = tempDir();
    statusStack(admins, ['198.51.100.0/24']); // the operators' network (adminCidrs)
    const alone = review({ dir: open });
    expect(alone.flags).toEqual([
      expect.objectContaining({
        kind: 'exposure',
        name: expect.stringMatching(/^status page: tcp\/8081 on /),
        detail: expect.stringMatching(
          /status page .*reachable beyond private ranges and the admin networks, from `203\.0\.113\.0\/24`/,
        ),
      }),
    ]);
    expect(alone.markdown).toContain('status page');
    const changed = review({ dir: open, base: before });
    expect(changed.flags.filter((f) => f.kind === 'exposure')).toEqual([
      expect.objectContaining({
        name: expect.stringMatching(/^status page: tcp\/8081/),
        detail: expect.stringMatching(
          /newly reachable from `203\.0\.113\.0\/24`.*a status page beyond private ranges/,
        ),
      }),
    ]);
    expect(review({ dir: internal }).flags).toEqual([]);
    expect(review({ dir: admins }).flags).toEqual([]);
    for (const d of [open, internal, before, admins]) fs.rmSync(d, { recursive: true, force: true });
  }, 120000);
});
