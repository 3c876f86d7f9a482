import * as fs from 'fs';
import * as http from 'http';
import { HaproxyConfig, HaproxyListenerOptions, HaproxyPool } from '../../lib/config/haproxy';
import { Algorithm, Stickiness } from '../../lib/core/balancing';
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
import { RunningHaproxy, haproxyPathsUnder, prepareRoot, startHaproxy } from './haproxy-harness';
import { ROUTING_POOLS, routingListener, routingPools } from './routing-fixture';

/**
 * Real HAProxy (master-worker) in front of real loopback backends: what the rendered
 * configuration *does*. Every request loop is bounded in count and time.
 */

interface Setup {
  readonly haproxy: RunningHaproxy;
  readonly backends: Backend[];
  readonly url: string;
  readonly statsPort: number;
  model(nodes: Backend[]): HaproxyConfig;
}

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length) await (cleanups.pop() as () => Promise<void>)();
});

/** Starts `count` backends and HAProxy in front of them on a free loopback port. */
async function setup(
  count: number,
  poolOptions: HaproxyPool['options'] = {},
  extra: {
    listener?: Partial<HaproxyListenerOptions>;
    delays?: number[];
    stats?: HaproxyConfig['stats'];
  } = {},
): Promise<Setup> {
  const backends = await startBackends(count, { delayMs: extra.delays });
  cleanups.push(() => stopBackends(backends));
  const root = prepareRoot();
  cleanups.push(async () => fs.rmSync(root, { recursive: true, force: true }));
  const [port, statsPort] = await freePorts(2);
  const model = (nodes: Backend[]): HaproxyConfig => ({
    paths: haproxyPathsUnder(root),
    log: false,
    stats: { port: statsPort, ...(extra.stats || {}) },
    pools: [
      {
        name: 'app',
        options: poolOptions,
        nodes: nodes.map((b, i) => ({ name: `app-${i + 1}`, host: '127.0.0.1', port: b.port })),
      },
    ],
    listeners: [
      { name: 'web', options: { port, bindAddress: '127.0.0.1', defaultPool: 'app', ...extra.listener } },
    ],
  });
  const haproxy = await startHaproxy(model(backends), [port, statsPort]);
  cleanups.push(() => haproxy.stop());
  return { haproxy, backends, url: `http://127.0.0.1:${port}/`, statsPort, model };
}

describeWithTools(['haproxy', 'openssl'], 'HAProxy behaviour on loopback', () => {
  it('GIVEN roundrobin over 3 backends WHEN 300 requests arrive THEN each backend answers about 100', async () => {
    const { url, backends } = await setup(3);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(async () => agent.destroy());
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const answer = await request(url, { agent });
      expect(answer.status).toBe(200);
      counts.set(answer.body, (counts.get(answer.body) ?? 0) + 1);
    }
    for (const b of backends) {
      expect(counts.get(String(b.port)) ?? 0).toBeGreaterThanOrEqual(85);
      expect(counts.get(String(b.port)) ?? 0).toBeLessThanOrEqual(115);
    }
  });

  it('GIVEN leastconn with one backend holding slow requests open WHEN load arrives THEN the idle backend takes nearly all of it', async () => {
    const { url, backends } = await setup(
      2,
      { algorithm: Algorithm.leastConnections() },
      { delays: [800, 0] },
    );
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

  it('GIVEN a consistent hash on the machineid header WHEN a 4th backend joins by reload THEN machines stay put except about 1/4, which move to it', async () => {
    const { url, backends, haproxy, model } = await setup(3, {
      algorithm: Algorithm.hashHeader('machineid'),
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    cleanups.push(async () => agent.destroy());
    const ids = Array.from({ length: 200 }, (_, i) => `machine-${i}`);
    const before = new Map<string, string>();
    for (let round = 0; round < 5; round++) {
      for (const id of ids) {
        const answer = await request(url, { agent, headers: { machineid: id } });
        if (round === 0) before.set(id, answer.body);
        else expect(answer.body).toBe(before.get(id));
      }
    }
    expect(new Set(before.values()).size).toBe(3);
    const [extra] = await startBackends(1);
    cleanups.push(() => stopBackends([extra]));
    agent.destroy();
    await haproxy.reload(model([...backends, extra]));
    const moved: string[] = [];
    for (const id of ids) {
      const answer = await request(url, { agent: false, headers: { machineid: id } });
      if (answer.body !== before.get(id)) moved.push(answer.body);
    }
    expect(moved.every((port) => port === String(extra.port))).toBe(true);
    expect(moved.length / ids.length).toBeGreaterThan(0.1);
    expect(moved.length / ids.length).toBeLessThan(0.45);
  });

  it('GIVEN load over 3 backends WHEN one backend is killed THEN retries and redispatch lose no GET request', async () => {
    const { url, backends } = await setup(3);
    const load = startLoad(url, { concurrency: 6, maxMs: 15000 });
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

  it('GIVEN load on new connections WHEN the master reloads (SIGUSR2) 5 times THEN no request is dropped', async () => {
    const { url, haproxy, model, backends } = await setup(3);
    const load = startLoad(url, { concurrency: 4, keepAlive: false, maxMs: 30000 });
    for (let i = 0; i < 5; i++) {
      await sleep(200);
      await haproxy.reload(model(i % 2 === 0 ? backends.slice(0, 2) : backends));
    }
    await sleep(200);
    const result = await load.stop();
    expect(result.failures).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.ok).toBeGreaterThan(100);
  });

  it('GIVEN cookie-insert stickiness WHEN a session sends its cookie back THEN every request reaches the same server', async () => {
    const { url, backends } = await setup(3, { stickiness: Stickiness.insertCookie('SERVERID') });
    const sessions: string[] = [];
    for (let s = 0; s < 6; s++) {
      const first = await request(url, { agent: false });
      const cookie = String(first.headers['set-cookie']?.[0] ?? '').split(';')[0];
      expect(cookie).toMatch(/^SERVERID=app-[123]$/);
      for (let i = 0; i < 20; i++) {
        const again = await request(url, { agent: false, headers: { Cookie: `${cookie}; other=1` } });
        expect(again.body).toBe(first.body);
        expect(again.headers['set-cookie']).toBeUndefined();
      }
      sessions.push(first.body);
    }
    // New sessions are still spread by round robin.
    expect(new Set(sessions).size).toBe(backends.length);
  });

  it('GIVEN an HTTP health check WHEN a node answers 503 on /health THEN it gets no traffic until healthy again', async () => {
    const { url, backends } = await setup(2, {
      healthCheck: {
        active: {
          path: '/health',
          expectedCodes: '200',
          intervalSeconds: 0.2,
          timeoutSeconds: 0.1,
          unhealthyThreshold: 1,
          healthyThreshold: 1,
        },
      },
    });
    backends[0].healthStatus = 503;
    await waitUntil('the check to take app-1 out', async () => {
      const answers = await Promise.all(Array.from({ length: 6 }, () => request(url, { agent: false })));
      return answers.every((a) => a.body === String(backends[1].port));
    });
    const probes = backends[0].requests.filter((r) => r.url.startsWith('/health'));
    expect(probes.length).toBeGreaterThan(0);
    expect(probes[0].method).toBe('GET');
    backends[0].healthStatus = 200;
    await waitUntil('app-1 to come back', async () => {
      const answers = await Promise.all(Array.from({ length: 6 }, () => request(url, { agent: false })));
      return answers.some((a) => a.body === String(backends[0].port));
    });
  });

  it('GIVEN stats behind a login WHEN read THEN /stats and /metrics need the password, and Prometheus metrics come out', async () => {
    const password = `pa'ss w#rd$1 100%`;
    const { statsPort } = await setup(1, {}, { stats: { bindAddress: '127.0.0.1', user: 'ops', password } });
    const base = `http://127.0.0.1:${statsPort}`;
    expect((await request(`${base}/metrics`)).status).toBe(401);
    expect((await request(`${base}/stats`)).status).toBe(401);
    const auth = { Authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}` };
    const metrics = await request(`${base}/metrics`, { headers: auth });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('haproxy_backend_status{proxy="app"');
    const stats = await request(`${base}/stats;csv`, { headers: auth });
    expect(stats.status).toBe(200);
    expect(stats.body).toContain('app,app-1,');
  });

  it('GIVEN routing rules WHEN requests match path, header, host or websocket THEN each reaches its backend', async () => {
    const backends = await startBackends(5);
    cleanups.push(() => stopBackends(backends));
    const root = prepareRoot();
    cleanups.push(async () => fs.rmSync(root, { recursive: true, force: true }));
    const [port, statsPort] = await freePorts(2);
    const names = ROUTING_POOLS;
    const haproxy = await startHaproxy(
      {
        paths: haproxyPathsUnder(root),
        log: false,
        stats: { port: statsPort },
        pools: routingPools(backends),
        listeners: [routingListener(port)],
      },
      [port],
    );
    cleanups.push(() => haproxy.stop());
    const reach = async (path: string, headers: http.OutgoingHttpHeaders = {}) => {
      const answer = await request(`http://127.0.0.1:${port}${path}`, { headers, agent: false });
      return names[backends.findIndex((b) => String(b.port) === answer.body)];
    };
    expect(await reach('/')).toBe('main');
    expect(await reach('/api/v1')).toBe('api');
    expect(await reach('/api/v1', { 'X-Canary': 'yes' })).toBe('canary');
    expect(await reach('/api/v1', { 'X-Canary': 'YES' })).toBe('api');
    expect(await reach('/other', { 'X-Canary': 'yes' })).toBe('main');
    expect(await reach('/x', { Host: 'eu.admin.example.org:8080' })).toBe('admin');
    expect(await reach('/x', { Host: 'admin.example.org' })).toBe('main');
    const tunnel = await upgradeEcho(`http://127.0.0.1:${port}/api/live`, 'ping through the tunnel');
    expect(tunnel).toEqual({ backend: String(backends[4].port), echoed: 'ping through the tunnel' });
  });
});
