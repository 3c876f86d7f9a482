import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { App, TerraformStack } from '../../lib/core/cdk';
import { Algorithm } from '../../lib/core';
import { DockerNetwork, DockerPlatform } from '../../lib/docker';
import { LoadBalancedService } from '../../lib/patterns';
import { TWIN_APP, VisaDockerStack } from '../../examples/visa-docker';
import { PavicsDockerStack } from '../../examples/pavics-docker';
import { freePorts } from '../support/backends';
import { SHARED_TOOLS, describeWithDocker, tempDir } from '../support/tools';

/**
 * The laptop twin deployed for real: the Docker examples synthesized, applied by the real
 * Terraform core through `tfsim apply --live docker` (docker_image/network/volume/container made
 * in the local engine with kreuzwerker/docker's semantics), then checked through the published
 * ports, changed, re-planned and destroyed. One apply for all stacks (beforeAll), one destroy.
 */
const IMAGES = ['nginx:1.27', 'haproxy:3.0', 'redis:7.4', 'python:3.12-slim'];
const PREFIX = `wflive${process.pid}`;
const TFSIM = path.join(SHARED_TOOLS, 'tfsim');

/** A small HAProxy twin (the examples use nginx): two app containers behind HAProxy. */
class HaproxyTwinStack extends TerraformStack {
  constructor(scope: App, id: string, port: number) {
    super(scope, id);
    const network = new DockerNetwork(this, 'Network');
    new LoadBalancedService(this, 'Web', {
      platform: DockerPlatform.haproxy({
        network,
        image: 'python:3.12-slim',
        command: ['python3', '/opt/twin/app.py', '8080'],
        files: [{ path: '/opt/twin/app.py', content: TWIN_APP }],
        healthCheck: {
          command: ['CMD', 'python3', '/opt/twin/app.py', '--check', '8080'],
          intervalSeconds: 1,
        },
        balancer: { hostPorts: { http: port } },
      }),
      port: 8080,
      count: 2,
      pool: { algorithm: Algorithm.roundRobin() },
      listeners: [{ port: 80, allowedCidrs: ['0.0.0.0/0'] }],
    });
  }
}

interface Ports {
  readonly visa: number;
  readonly hap: number;
  readonly pavics: Record<string, number>;
}

/** Synthesizes the three stacks into `outdir`; `visaPool` lets a test change the VISA pool. */
function synth(outdir: string, ports: Ports, visaPool?: (service: LoadBalancedService) => void): void {
  const app = new App({ outdir });
  const visa = new VisaDockerStack(app, `${PREFIX}-visa`, { hostPorts: { http: ports.visa } });
  visaPool?.(visa.node.findChild('Visa') as LoadBalancedService);
  new PavicsDockerStack(app, `${PREFIX}-pavics`, { hostPorts: ports.pavics });
  new HaproxyTwinStack(app, `${PREFIX}-hap`, ports.hap);
  app.synth();
}

function tfsim(args: string[]): { status: number; output: string; seconds: number } {
  const started = Date.now();
  const r = spawnSync(TFSIM, args, { encoding: 'utf8', timeout: 300000 });
  return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}`, seconds: (Date.now() - started) / 1000 };
}

function docker(args: string[]): string {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Ours on the engine: containers, networks and volumes whose names start with the prefix. */
function leftovers(): string[] {
  return [
    ...docker(['ps', '-a', '--format', '{{.Names}}']).split('\n'),
    ...docker(['network', 'ls', '--format', '{{.Name}}']).split('\n'),
    ...docker(['volume', 'ls', '--format', '{{.Name}}']).split('\n'),
  ].filter((n) => n.startsWith(PREFIX));
}

interface Answer {
  readonly status: number;
  readonly node: string;
  readonly body: { env: Record<string, string | null>; redis: boolean; machineid: string | null };
}

function get(port: number, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/', headers, agent: false, timeout: 5000 },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          try {
            resolve({
              status: res.statusCode ?? 0,
              node: String(res.headers['x-node']),
              body: JSON.parse(text),
            });
          } catch (e) {
            reject(new Error(`${res.statusCode}: ${text} (${e})`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Sends a websocket upgrade and returns the status line and the first bytes after the headers. */
function upgrade(port: number): Promise<{ status: string; rest: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.on('connect', () =>
      socket.write(
        'GET /desktop HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      ),
    );
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const end = data.indexOf('\r\n\r\n');
      if (end >= 0 && data.length > end + 4) {
        socket.destroy();
        resolve({ status: data.slice(0, data.indexOf('\r\n')), rest: data.slice(end + 4) });
      }
    });
    socket.on('error', reject);
  });
}

/** A Redis command from inside an app container, with the env webfarm gave it. */
const REDIS_PROBE = `
import os, socket, sys, urllib.parse
u = urllib.parse.urlparse(os.environ["VISA_VDI_REDIS_URL"])
def cmd(s, *args):
    s.sendall(("*%d\\r\\n" % len(args) + "".join("$%d\\r\\n%s\\r\\n" % (len(a), a) for a in args)).encode())
    return s.recv(200).decode().strip()
s = socket.create_connection((u.hostname, u.port), timeout=5)
print(cmd(s, "PING"))
s2 = socket.create_connection((u.hostname, u.port), timeout=5)
print(cmd(s2, "AUTH", os.environ["VISA_VDI_REDIS_PASSWORD"]))
print(cmd(s2, "SELECT", os.environ["VISA_VDI_REDIS_DATABASE"]))
print(cmd(s2, "PUBLISH", "webfarm-live", "hello"))
`;

describeWithDocker(IMAGES, 'the laptop twin on a real Docker engine (tfsim apply --live docker)', () => {
  const out = tempDir('wf-twin-');
  const state = tempDir('wf-state-');
  const figures: Record<string, unknown> = {};
  let ports: Ports;
  let applied: ReturnType<typeof tfsim>;
  let destroyed = false;

  beforeAll(async () => {
    const p = await freePorts(5);
    ports = { visa: p[0], hap: p[1], pavics: { flyingpigeon: p[2], malleefowl: p[3], hummingbird: p[4] } };
    synth(out, ports);
    applied = tfsim(['apply', '--live', 'docker', out, '--state-dir', state]);
    figures.applySeconds = applied.seconds;
  }, 300000);

  afterAll(() => {
    if (!destroyed) tfsim(['destroy', out, '--state-dir', state]);
    process.stderr.write(`\nlive Docker twin: ${JSON.stringify(figures)}\n`);
  }, 300000);

  it('applies every stack for real', () => {
    expect(applied.output).toMatch(/3 stacks applied: \d+ to add/);
    expect(applied.status).toBe(0);
    const running = docker(['ps', '--filter', `name=${PREFIX}`, '--format', '{{.Names}}'])
      .split('\n')
      .filter(Boolean);
    expect(running.sort()).toEqual(
      [
        'hap-balancer',
        'hap-web-1',
        'hap-web-2',
        'pavics-pavics-1',
        'pavics-pavics-2',
        'pavics-pavics-3',
        'pavics-proxy',
        'visa-balancer',
        'visa-redis',
        'visa-visa-1',
        'visa-visa-2',
      ].map((n) => `${PREFIX}-${n}`),
    );
  });

  it('publishes the listeners on 127.0.0.1 only, and nothing of the apps or Redis', () => {
    const published = docker(['ps', '--filter', `name=${PREFIX}`, '--format', '{{.Names}} {{.Ports}}'])
      .split('\n')
      .filter((l) => l.includes('->'));
    expect(published.map((l) => l.split(' ')[0]).sort()).toEqual(
      ['hap-balancer', 'pavics-proxy', 'visa-balancer'].map((n) => `${PREFIX}-${n}`),
    );
    for (const line of published)
      for (const m of line.matchAll(/([\d.]+):\d+->/g)) expect(m[1]).toBe('127.0.0.1');
  });

  it('alternates round robin across the VISA app containers; exactly one of them is the primary', async () => {
    const answers: Answer[] = [];
    for (let i = 0; i < 20; i++) answers.push(await get(ports.visa));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const nodes = answers.map((a) => a.node);
    for (let i = 1; i < nodes.length; i++) expect(nodes[i]).not.toBe(nodes[i - 1]);
    expect(new Set(nodes)).toEqual(new Set(['visa-1', 'visa-2']));
    const primaries = new Set(
      answers.filter((a) => a.body.env.VISA_SCHEDULER_ENABLED === 'true').map((a) => a.node),
    );
    const cleanups = new Set(
      answers.filter((a) => a.body.env.VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP === 'true').map((a) => a.node),
    );
    expect([...primaries]).toEqual(['visa-1']);
    expect([...cleanups]).toEqual(['visa-1']);
    expect(answers.every((a) => a.body.redis)).toBe(true);
    figures.visa = { requests: 20, visa1: nodes.filter((n) => n === 'visa-1').length, failures: 0 };
  });

  it('keeps each machineid on one PAVICS server and spreads distinct ids, on every service', async () => {
    const spread: Record<string, Record<string, number>> = {};
    let requests = 0;
    for (const [service, port] of Object.entries(ports.pavics)) {
      const owner = new Map<string, string>();
      for (let id = 0; id < 16; id++) {
        for (let k = 0; k < 2; k++) {
          const a = await get(port, { machineid: `machine-${id}` });
          requests++;
          expect(a.status).toBe(200);
          expect(a.body.machineid).toBe(`machine-${id}`);
          if (owner.has(`${id}`)) expect(a.node).toBe(owner.get(`${id}`));
          else owner.set(`${id}`, a.node);
        }
      }
      const counts: Record<string, number> = {};
      for (const node of owner.values()) counts[node] = (counts[node] ?? 0) + 1;
      spread[service] = counts;
      expect(Object.keys(counts).length).toBeGreaterThanOrEqual(2);
    }
    figures.pavics = { requests, idsPerServer: spread, failures: 0 };
  });

  it("passes a websocket upgrade through nginx and through HAProxy: 101 and the app's first frame", async () => {
    for (const port of [ports.visa, ports.hap]) {
      const { status, rest } = await upgrade(port);
      expect(status).toBe('HTTP/1.1 101 Switching Protocols');
      expect(rest).toMatch(/hello from (visa|web)-[12]/);
    }
    const hap = [await get(ports.hap), await get(ports.hap)].map((a) => a.node);
    expect(new Set(hap)).toEqual(new Set(['web-1', 'web-2']));
  });

  it('lets an app container AUTH to Redis with the env it was given, and refuses it without', () => {
    const lines = docker(['exec', `${PREFIX}-visa-visa-2`, 'python3', '-c', REDIS_PROBE])
      .trim()
      .split('\n');
    expect(lines[0]).toMatch(/^-NOAUTH Authentication required/);
    expect(lines.slice(1)).toEqual(['+OK', '+OK', ':0']);
  });

  it('re-plans with "No changes." for every stack', () => {
    const plan = tfsim(['plan', '--state-dir', state, out]);
    expect(plan.status).toBe(0);
    expect(plan.output.match(/No changes\./g)).toHaveLength(3);
    figures.replanSeconds = plan.seconds;
  });

  it('replaces only the balancer container when a pool changes, and serves the new pool', async () => {
    // GIVEN the VISA pool without visa-2
    const changed = tempDir('wf-twin2-');
    synth(changed, ports, (service) => service.pool.removeNodes(['visa-2']));
    const planFile = path.join(tempDir('wf-plan-'), 'plan.json');
    const plan = tfsim(['plan', '--state-dir', state, '--json', planFile, changed]);
    expect(plan.status).toBe(0);
    const json = JSON.parse(fs.readFileSync(planFile.replace(/\.json$/, `.${PREFIX}-visa.json`), 'utf8')) as {
      resource_changes: Array<{ address: string; change: { actions: string[] } }>;
    };
    const touched = json.resource_changes.filter((c) => c.change.actions.join() !== 'no-op');
    expect(touched.map((c) => [c.address, c.change.actions.join()])).toEqual([
      [expect.stringMatching(/^docker_container\.Visa_Balancer_Container_/), 'delete,create'],
    ]);
    const before = docker(['inspect', '--format', '{{.Id}}', `${PREFIX}-visa-visa-1`]).trim();
    // WHEN it is applied
    const apply = tfsim(['apply', changed, '--state-dir', state]);
    expect(apply.status).toBe(0);
    figures.poolChangeSeconds = apply.seconds;
    // THEN every request reaches visa-1, whose container is the same one
    const nodes = [];
    for (let i = 0; i < 6; i++) nodes.push((await get(ports.visa)).node);
    expect(nodes).toEqual(Array(6).fill('visa-1'));
    expect(docker(['inspect', '--format', '{{.Id}}', `${PREFIX}-visa-visa-1`]).trim()).toBe(before);
    fs.rmSync(out, { recursive: true, force: true });
    fs.cpSync(changed, out, { recursive: true });
  }, 120000);

  it('destroys everything: no container, network or volume of the twin is left', () => {
    const gone = tfsim(['destroy', out, '--state-dir', state]);
    destroyed = gone.status === 0;
    expect(gone.output).toMatch(/3 stacks destroyed: \d+ resources destroyed/);
    figures.destroySeconds = gone.seconds;
    expect(leftovers()).toEqual([]);
    // the images stay (keep_locally): the machine's other work still has them
    for (const image of IMAGES)
      expect(docker(['image', 'inspect', '--format', '{{.Id}}', image]).trim()).not.toBe('');
  }, 120000);
});
