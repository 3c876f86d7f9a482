import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import { HaproxyConfig } from '../../lib/config/haproxy';
import { freePorts, request, sleep, startBackends, stopBackends } from '../support/backends';
import { describeWithTools } from '../support/tools';
import { haproxyPathsUnder, prepareRoot, startHaproxy } from './haproxy-harness';

/**
 * Failing nodes behind HAProxy with the default checks (HTTP probe, passive `observe layer7`,
 * retries of idempotent requests on 502/503/504 and timeouts), on loopback, with a 1 s server
 * timeout configured for the test. Bounded loops; figures are printed for the issue note.
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await (cleanups.pop() as () => Promise<void>)();
});

/** A node that accepts connections and never answers. */
async function hangingNode(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined); // HAProxy resets the connection when its timeout expires
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

/** A node that answers 502 to everything (health checks included). */
async function badGatewayNode(): Promise<number> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('bad gateway');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

async function start(badPort: number): Promise<{ url: string }> {
  const [good] = await startBackends(1);
  cleanups.push(() => stopBackends([good]));
  const root = prepareRoot();
  cleanups.push(async () => fs.rmSync(root, { recursive: true, force: true }));
  const [port, statsPort] = await freePorts(2);
  const model: HaproxyConfig = {
    paths: haproxyPathsUnder(root),
    log: false,
    stats: { port: statsPort },
    timeouts: { connectSeconds: 1, serverSeconds: 1 },
    pools: [
      {
        name: 'app',
        nodes: [
          { name: 'good', host: '127.0.0.1', port: good.port },
          { name: 'bad', host: '127.0.0.1', port: badPort },
        ],
      },
    ],
    listeners: [{ name: 'web', port, bindAddress: '127.0.0.1', defaultPool: 'app' }],
  };
  const haproxy = await startHaproxy(model, [port, statsPort]);
  cleanups.push(() => haproxy.stop());
  return { url: `http://127.0.0.1:${port}/` };
}

interface Run {
  failedGets: number;
  failedPosts: number;
  slowestMs: number;
  /** Seconds after the start of the last request the bad node cost time or an error. */
  lastAffectedSeconds: number;
}

/** Alternating GETs and POSTs, one at a time, for `seconds`. */
async function drive(url: string, seconds: number): Promise<Run> {
  const started = Date.now();
  const run: Run = { failedGets: 0, failedPosts: 0, slowestMs: 0, lastAffectedSeconds: 0 };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; Date.now() - started < seconds * 1000 && i < 5000; i++) {
    const method = i % 2 === 0 ? 'GET' : 'POST';
    const t0 = Date.now();
    let ok = false;
    try {
      ok = (await request(url, { agent, method, timeoutMs: 5000 })).status === 200;
    } catch {
      ok = false;
    }
    const ms = Date.now() - t0;
    run.slowestMs = Math.max(run.slowestMs, ms);
    if (!ok) {
      if (method === 'GET') run.failedGets++;
      else run.failedPosts++;
    }
    if (!ok || ms > 300) run.lastAffectedSeconds = (t0 - started) / 1000;
    await sleep(20);
  }
  agent.destroy();
  return run;
}

describeWithTools(['haproxy', 'openssl'], 'HAProxy with failing nodes (default checks)', () => {
  it('GIVEN a node that accepts and never answers THEN it leaves rotation within 10 s, idempotent requests do not fail, and each affected one costs at most the timeout', async () => {
    const { url } = await start(await hangingNode());
    const run = await drive(url, 13);
    process.stderr.write(`haproxy hanging node: ${JSON.stringify(run)}\n`);
    expect(run.failedGets).toBe(0);
    expect(run.lastAffectedSeconds).toBeLessThan(10);
    expect(run.slowestMs).toBeLessThan(1000 + 1000 + 500);
  }, 30000);

  it('GIVEN a node that answers 502 THEN idempotent requests never fail and it leaves rotation within 10 s for all methods', async () => {
    const { url } = await start(await badGatewayNode());
    const run = await drive(url, 12);
    process.stderr.write(`haproxy 502 node: ${JSON.stringify(run)}\n`);
    expect(run.failedGets).toBe(0);
    expect(run.lastAffectedSeconds).toBeLessThan(10);
  }, 30000);
});
