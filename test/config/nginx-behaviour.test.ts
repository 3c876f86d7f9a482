import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import { NginxConfig, NginxListenerOptions, NginxPool } from '../../lib/config/nginx';
import { Algorithm } from '../../lib/core/balancing';
import {
  Backend,
  freePorts,
  request,
  sleep,
  startBackends,
  startLoad,
  upgradeEcho,
  stopBackends,
  waitUntil,
} from '../support/backends';
import { describeWithTools } from '../support/tools';
import {
  RunningNginx,
  nginxPathsUnder,
  prepareRoot,
  startNginx,
  streamModuleAvailable,
} from './nginx-harness';
import { ROUTING_POOLS, routingListener, routingPools } from './routing-fixture';

/**
 * Real nginx in front of real loopback backends: what the rendered configuration *does*.
 * Every request loop is bounded in count and time.
 */

interface Setup {
  readonly nginx: RunningNginx;
  readonly backends: Backend[];
  readonly url: string;
  readonly port: number;
  readonly root: string;
  model(nodes: Backend[]): NginxConfig;
}

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length) await (cleanups.pop() as () => Promise<void>)();
});

/** Starts `count` backends and nginx in front of them on a free loopback port. */
async function setup(
  count: number,
  poolOptions: NginxPool['options'] = {},
  listenerOptions: Partial<NginxListenerOptions> = {},
  delays: number[] = [],
): Promise<Setup> {
  const backends = await startBackends(count, { delayMs: delays });
  cleanups.push(() => stopBackends(backends));
  const root = prepareRoot();
  cleanups.push(async () => fs.rmSync(root, { recursive: true, force: true }));
  const [port, statusPort] = await freePorts(2);
  const model = (nodes: Backend[]): NginxConfig => ({
    paths: nginxPathsUnder(root),
    stream: false,
    status: { port: statusPort },
    pools: [
      {
        name: 'app',
        options: poolOptions,
        nodes: nodes.map((b, i) => ({ name: `app-${i + 1}`, host: '127.0.0.1', port: b.port })),
      },
    ],
    listeners: [
      { name: 'web', options: { port, bindAddress: '127.0.0.1', defaultPool: 'app', ...listenerOptions } },
    ],
  });
  const nginx = await startNginx(model(backends), [port]);
  cleanups.push(() => nginx.stop());
  return { nginx, backends, url: `http://127.0.0.1:${port}/`, port, root, model };
}

/** Counts answers per backend port over `n` sequential requests. */
async function spread(url: string, n: number, headers: (i: number) => http.OutgoingHttpHeaders = () => ({})) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const counts = new Map<string, number>();
  try {
    for (let i = 0; i < n; i++) {
      const answer = await request(url, { agent, headers: headers(i) });
      expect(answer.status).toBe(200);
      counts.set(answer.body, (counts.get(answer.body) ?? 0) + 1);
    }
  } finally {
    agent.destroy();
  }
  return counts;
}

describeWithTools(['nginx', 'openssl'], 'nginx behaviour on loopback', () => {
  it('GIVEN round robin over 3 backends WHEN 300 requests arrive THEN each backend answers about 100', async () => {
    const { url, backends } = await setup(3);
    const counts = await spread(url, 300);
    for (const b of backends) {
      expect(counts.get(String(b.port)) ?? 0).toBeGreaterThanOrEqual(85);
      expect(counts.get(String(b.port)) ?? 0).toBeLessThanOrEqual(115);
    }
  });

  it('GIVEN least_conn with one backend holding slow requests open WHEN load arrives THEN the idle backend takes nearly all of it', async () => {
    const { url, backends } = await setup(2, { algorithm: Algorithm.leastConnections() }, {}, [800, 0]);
    const [slow, idle] = backends;
    // A fixed number of answers, not a fixed time: the share holds however busy the machine is.
    const load = startLoad(url, { concurrency: 6, maxMs: 60000 });
    await waitUntil('150 answers', () => slow.hits() + idle.hits() >= 150, 55000);
    const result = await load.stop();
    expect(result.failed).toBe(0);
    const total = slow.hits() + idle.hits();
    expect(total).toBeGreaterThanOrEqual(150);
    expect(idle.hits() / total).toBeGreaterThan(0.9);
  });

  it('GIVEN hash on the machineid header WHEN 1,000 requests come from 200 machines THEN each machine stays on one backend, and a 4th backend takes about 1/4 of the machines', async () => {
    const { url, backends, nginx, model } = await setup(3, { algorithm: Algorithm.hashHeader('machineid') });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    cleanups.push(async () => agent.destroy());
    const ids = Array.from({ length: 200 }, (_, i) => `machine-${i}-${(i * 7919) % 1000}`);
    const placement = new Map<string, Set<string>>();
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        ids.map(async (id) => {
          const answer = await request(url, { agent, headers: { machineid: id } });
          expect(answer.status).toBe(200);
          placement.set(id, (placement.get(id) ?? new Set()).add(answer.body));
        }),
      );
    }
    expect([...placement.values()].every((set) => set.size === 1)).toBe(true);
    const before = new Map([...placement].map(([id, set]) => [id, [...set][0]]));
    expect(new Set(before.values()).size).toBe(3);

    const [extra] = await startBackends(1);
    cleanups.push(() => stopBackends([extra]));
    agent.destroy();
    await nginx.reload(model([...backends, extra]));
    const moved: string[] = [];
    // New connections after the reload: the old workers close kept-alive ones, and a request
    // racing that close would fail for reasons that have nothing to do with hashing.
    for (const id of ids) {
      const answer = await request(url, { agent: false, headers: { machineid: id } });
      if (answer.body !== before.get(id)) moved.push(answer.body);
    }
    // Consistent hashing: only keys that now belong to the new node move, about 1/4 of them.
    expect(moved.every((port) => port === String(extra.port))).toBe(true);
    expect(moved.length / ids.length).toBeGreaterThan(0.1);
    expect(moved.length / ids.length).toBeLessThan(0.45);
  });

  it('GIVEN load over 3 backends WHEN one backend is killed THEN no GET request fails', async () => {
    const { url, backends } = await setup(3);
    const load = startLoad(url, { concurrency: 6, maxMs: 10000 });
    await sleep(700);
    const hitsBefore = backends[1].hits();
    await backends[1].kill();
    await sleep(1500);
    const result = await load.stop();
    expect(hitsBefore).toBeGreaterThan(0);
    expect(result.failures).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.ok).toBeGreaterThan(200);
  });

  it('GIVEN load on new connections WHEN nginx -s reload runs 5 times THEN no request is dropped', async () => {
    const { url, nginx, model, backends } = await setup(3);
    const load = startLoad(url, { concurrency: 4, keepAlive: false, maxMs: 20000 });
    for (let i = 0; i < 5; i++) {
      await sleep(200);
      await nginx.reload(model(i % 2 === 0 ? backends.slice(0, 2) : backends));
    }
    await sleep(200);
    const result = await load.stop();
    expect(result.failures).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.ok).toBeGreaterThan(100);
  });

  it('GIVEN routing rules WHEN requests match path, header, host or websocket THEN each reaches its pool', async () => {
    const backends = await startBackends(5);
    cleanups.push(() => stopBackends(backends));
    const root = prepareRoot();
    cleanups.push(async () => fs.rmSync(root, { recursive: true, force: true }));
    const [port, statusPort] = await freePorts(2);
    const names = ROUTING_POOLS;
    const nginx = await startNginx(
      {
        paths: nginxPathsUnder(root),
        stream: false,
        status: { port: statusPort },
        pools: routingPools(backends),
        listeners: [routingListener(port)],
      },
      [port],
    );
    cleanups.push(() => nginx.stop());
    const reach = async (path: string, headers: http.OutgoingHttpHeaders = {}) => {
      const answer = await request(`http://127.0.0.1:${port}${path}`, { headers });
      return names[backends.findIndex((b) => String(b.port) === answer.body)];
    };
    expect(await reach('/')).toBe('main');
    expect(await reach('/api/v1')).toBe('api');
    expect(await reach('/api/v1', { 'X-Canary': 'yes' })).toBe('canary');
    expect(await reach('/api/v1', { 'X-Canary': 'YES' })).toBe('api');
    expect(await reach('/other', { 'X-Canary': 'yes' })).toBe('main');
    expect(await reach('/x', { Host: 'eu.admin.example.org' })).toBe('admin');
    expect(await reach('/x', { Host: 'admin.example.org' })).toBe('main');
    const tunnel = await upgradeEcho(`http://127.0.0.1:${port}/api/live`, 'ping through the tunnel');
    expect(tunnel).toEqual({ backend: String(backends[4].port), echoed: 'ping through the tunnel' });
  });

  it('GIVEN TLS termination with a redirect port and a rate limit WHEN clients connect THEN HTTP redirects, HTTPS proxies, and a burst gets 429', async () => {
    const backends = await startBackends(1);
    cleanups.push(() => stopBackends(backends));
    const root = prepareRoot();
    cleanups.push(async () => fs.rmSync(root, { recursive: true, force: true }));
    const [tlsPort, plainPort, statusPort] = await freePorts(3);
    const nginx = await startNginx(
      {
        paths: nginxPathsUnder(root),
        stream: false,
        status: { port: statusPort },
        pools: [
          { name: 'app', options: {}, nodes: [{ name: 'app-1', host: '127.0.0.1', port: backends[0].port }] },
        ],
        listeners: [
          {
            name: 'site',
            options: {
              port: tlsPort,
              bindAddress: '127.0.0.1',
              defaultPool: 'app',
              rateLimitPerSecond: 2,
              rateLimitBurst: 5,
              tls: {
                certificate: {
                  kind: 'files',
                  certificatePath: `${root}/etc/ssl/webfarm/site.crt`,
                  keyPath: `${root}/etc/ssl/webfarm/site.key`,
                },
                redirectFromPort: plainPort,
                hstsMaxAgeSeconds: 600,
              },
            },
          },
        ],
      },
      [tlsPort, plainPort],
    );
    cleanups.push(() => nginx.stop());
    const redirect = await request(`http://127.0.0.1:${plainPort}/a?b=1`);
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe(`https://127.0.0.1:${tlsPort}/a?b=1`);
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      const answer = await new Promise<{ status: number; hsts?: string; body: string }>((resolve, reject) => {
        const req = https.get(
          { host: '127.0.0.1', port: tlsPort, path: '/echo', rejectUnauthorized: false, timeout: 5000 },
          (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                hsts: res.headers['strict-transport-security'] as string,
                body,
              }),
            );
          },
        );
        req.on('error', reject);
      });
      statuses.push(answer.status);
      if (i === 0) {
        expect(answer.status).toBe(200);
        expect(answer.hsts).toBe('max-age=600');
        expect(JSON.parse(answer.body).headers['x-forwarded-proto']).toBe('https');
      }
    }
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(6);
    expect(statuses).toContain(429);
  });

  it('GIVEN a tcp listener (stream module) WHEN connections arrive THEN they reach the tcp pool in turn', async () => {
    if (!streamModuleAvailable()) return;
    const backends = await startBackends(2);
    cleanups.push(() => stopBackends(backends));
    const root = prepareRoot();
    cleanups.push(async () => fs.rmSync(root, { recursive: true, force: true }));
    const [port, statusPort] = await freePorts(2);
    const nginx = await startNginx(
      {
        paths: nginxPathsUnder(root),
        status: { port: statusPort },
        pools: [
          {
            name: 'raw',
            options: { protocol: 'tcp' },
            nodes: backends.map((b, i) => ({ name: `raw-${i + 1}`, host: '127.0.0.1', port: b.port })),
          },
        ],
        listeners: [
          { name: 'raw', options: { port, bindAddress: '127.0.0.1', protocol: 'tcp', defaultPool: 'raw' } },
        ],
      },
      [port],
    );
    cleanups.push(() => nginx.stop());
    const seen = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const answer = await request(`http://127.0.0.1:${port}/`, { agent: false });
      seen.set(answer.body, (seen.get(answer.body) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(backends.map((b) => String(b.port)).sort());
    for (const count of seen.values()) expect(count).toBeGreaterThanOrEqual(10);
  });

  it('GIVEN the status server WHEN read from this host THEN stub_status answers', async () => {
    const backends = await startBackends(1);
    cleanups.push(() => stopBackends(backends));
    const root = prepareRoot();
    cleanups.push(async () => fs.rmSync(root, { recursive: true, force: true }));
    const [port, statusPort] = await freePorts(2);
    const nginx = await startNginx(
      {
        paths: nginxPathsUnder(root),
        stream: false,
        status: { port: statusPort },
        pools: [
          { name: 'app', options: {}, nodes: [{ name: 'app-1', host: '127.0.0.1', port: backends[0].port }] },
        ],
        listeners: [{ name: 'web', options: { port, bindAddress: '127.0.0.1', defaultPool: 'app' } }],
      },
      [port, statusPort],
    );
    cleanups.push(() => nginx.stop());
    const status = await request(`http://127.0.0.1:${statusPort}/nginx_status`);
    expect(status.status).toBe(200);
    expect(status.body).toMatch(/^Active connections: [0-9]+/);
    expect((await request(`http://127.0.0.1:${statusPort}/`)).status).toBe(404);
  });
});
