import * as http from 'http';
import * as net from 'net';
import { Backend, freePorts, request, sleep, startBackends, stopBackends } from '../support/backends';
import { describeWithTools } from '../support/tools';

/**
 * The fault suite, one for every self-hosted balancer: a balancer (real daemon, loopback) in front
 * of nodes that hang, answer 502, are all down, are killed under load, or change while the daemon
 * reloads 10 times under load. Each daemon's test file only says how to start and reload it.
 * Loops are bounded; the figures (failed requests, slowest request, seconds until the bad node
 * stopped costing anything) are printed for the issue note.
 */

/** One node of the pool under test. */
export interface FaultNode {
  readonly name: string;
  readonly port: number;
}

/** The timeouts every case configures on the pool (`PoolOptions.timeouts`). */
export const FAULT_TIMEOUTS = { connectSeconds: 1, responseSeconds: 1 } as const;

/** A started balancer under test. */
export interface FaultBalancer {
  /** `http://127.0.0.1:<port>/` of its listener. */
  readonly url: string;
  /** Renders the pool with `nodes`, checks the files with the daemon and reloads it gracefully. */
  reload(nodes: readonly FaultNode[]): Promise<void>;
  /** Stops the daemon. */
  stop(): Promise<void>;
}

/** What differs between daemons. */
export interface FaultSubject {
  /** 'nginx' or 'haproxy', for the test names and figures. */
  readonly name: string;
  /** Binaries the daemon needs (skipped loudly without them; a failure under CI=true). */
  readonly tools: string[];
  /** Starts the daemon with one pool of `nodes` (timeouts {@link FAULT_TIMEOUTS}) and one listener. */
  start(nodes: readonly FaultNode[]): Promise<FaultBalancer>;
  /**
   * The longest a client may wait for an answer when every node hangs: what the configured
   * timeouts allow (nginx: `proxy_next_upstream_timeout` plus one read timeout; HAProxy: one
   * server timeout per try).
   */
  readonly allDownBoundMs: number;
}

/** Figures of one drive. */
export interface Run {
  readonly requests: number;
  readonly failedGets: number;
  readonly failedPosts: number;
  readonly slowestMs: number;
  /** Seconds after the start at which the last request the bad node cost time or an error began. */
  readonly lastAffectedSeconds: number;
}

const cleanups: Array<() => Promise<void>> = [];

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as net.AddressInfo).port;
}

/** A node that accepts connections and never answers. */
export async function hangingNode(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined); // the balancer resets the connection when its timeout expires
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server);
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return port;
}

/** A node that answers every request (health checks included) with `status`. */
export async function statusNode(status: number): Promise<number> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(`status ${status}`);
    });
  });
  const port = await listen(server);
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return port;
}

/** A port nothing listens on (a node that is down). */
async function deadPort(): Promise<number> {
  const [port] = await freePorts(1);
  return port;
}

async function goodNodes(count: number): Promise<Backend[]> {
  const backends = await startBackends(count);
  cleanups.push(() => stopBackends(backends));
  return backends;
}

async function started(subject: FaultSubject, nodes: FaultNode[]): Promise<FaultBalancer> {
  const balancer = await subject.start(nodes);
  cleanups.push(() => balancer.stop());
  return balancer;
}

/**
 * One request at a time, GET, GET, POST (a period of 3, so that round robin over 2 nodes sends
 * both methods to each), for `seconds` (at most 2,000 requests).
 */
export async function drive(url: string, seconds: number, affectedMs = 300): Promise<Run> {
  const started = Date.now();
  let requests = 0;
  let failedGets = 0;
  let failedPosts = 0;
  let slowestMs = 0;
  let lastAffectedSeconds = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; Date.now() - started < seconds * 1000 && i < 2000; i++) {
    const method = i % 3 === 2 ? 'POST' : 'GET';
    const t0 = Date.now();
    let ok = false;
    try {
      ok = (await request(url, { agent, method, timeoutMs: 8000 })).status === 200;
    } catch {
      ok = false;
    }
    requests++;
    const ms = Date.now() - t0;
    slowestMs = Math.max(slowestMs, ms);
    if (!ok) {
      if (method === 'GET') failedGets++;
      else failedPosts++;
    }
    if (!ok || ms > affectedMs) lastAffectedSeconds = (t0 - started) / 1000;
    await sleep(20);
  }
  agent.destroy();
  return { requests, failedGets, failedPosts, slowestMs, lastAffectedSeconds };
}

/** Figures of a concurrent load. */
export interface LoadRun {
  readonly ok: number;
  readonly failed: number;
  readonly slowestMs: number;
  readonly failures: string[];
}

/**
 * GETs from `concurrency` loops (a new connection each when `keepAlive` is false) until `during`
 * resolves, then 200 ms more; at most 20,000 requests.
 */
export async function loadDuring(
  url: string,
  during: () => Promise<void>,
  options: { concurrency: number; keepAlive: boolean },
): Promise<LoadRun> {
  let stopped = false;
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let slowestMs = 0;
  const failures: string[] = [];
  const agent = options.keepAlive
    ? new http.Agent({ keepAlive: true, maxSockets: options.concurrency })
    : false;
  const loop = async () => {
    while (!stopped && sent < 20000) {
      sent++;
      const t0 = Date.now();
      try {
        const answer = await request(url, { agent, timeoutMs: 8000 });
        if (answer.status === 200) ok++;
        else {
          failed++;
          if (failures.length < 10) failures.push(`status ${answer.status}: ${answer.body.slice(0, 80)}`);
        }
      } catch (e) {
        failed++;
        if (failures.length < 10) failures.push(String(e));
      }
      slowestMs = Math.max(slowestMs, Date.now() - t0);
    }
  };
  const loops = Array.from({ length: options.concurrency }, loop);
  try {
    await during();
    await sleep(200);
  } finally {
    stopped = true;
    await Promise.all(loops);
    if (agent) agent.destroy();
  }
  return { ok, failed, slowestMs, failures };
}

function report(subject: FaultSubject, fault: string, figures: object): void {
  process.stderr.write(`fault suite ${subject.name} ${fault}: ${JSON.stringify(figures)}\n`);
}

/** The fault suite for `subject` (timeouts {@link FAULT_TIMEOUTS}: connect 1 s, response 1 s). */
export function describeFaults(subject: FaultSubject): void {
  describeWithTools(subject.tools, `${subject.name} with failing nodes (fault suite)`, () => {
    afterEach(async () => {
      while (cleanups.length) await (cleanups.pop() as () => Promise<void>)();
    });
    const responseMs = FAULT_TIMEOUTS.responseSeconds * 1000;

    it('GIVEN a node that accepts and never answers THEN no GET fails, an affected request costs at most the response timeout, and the node leaves rotation within 10 s', async () => {
      const [good] = await goodNodes(1);
      const hanging = await hangingNode();
      const lb = await started(subject, [
        { name: 'good', port: good.port },
        { name: 'hanging', port: hanging },
      ]);
      const run = await drive(lb.url, 11);
      report(subject, 'hanging node', run);
      expect(run.failedGets).toBe(0);
      expect(run.slowestMs).toBeLessThan(responseMs + 700);
      expect(run.lastAffectedSeconds).toBeLessThan(10);
    }, 30000);

    it('GIVEN a node that answers 502 THEN no GET fails and it leaves rotation within 10 s for every method', async () => {
      const [good] = await goodNodes(1);
      const bad = await statusNode(502);
      const lb = await started(subject, [
        { name: 'good', port: good.port },
        { name: 'bad', port: bad },
      ]);
      const run = await drive(lb.url, 11);
      report(subject, '502 node', run);
      expect(run.failedGets).toBe(0);
      expect(run.lastAffectedSeconds).toBeLessThan(10);
    }, 30000);

    it('GIVEN every node hanging, or every node down THEN each request is answered with an error within the configured timeouts', async () => {
      const hangingLb = await started(subject, [
        { name: 'a', port: await hangingNode() },
        { name: 'b', port: await hangingNode() },
      ]);
      const hangs: Array<{ status: number; ms: number }> = [];
      for (let i = 0; i < 3; i++) {
        const t0 = Date.now();
        const answer = await request(hangingLb.url, { agent: false, timeoutMs: 15000 });
        hangs.push({ status: answer.status, ms: Date.now() - t0 });
      }
      const downLb = await started(subject, [
        { name: 'a', port: await deadPort() },
        { name: 'b', port: await deadPort() },
      ]);
      const downs: Array<{ status: number; ms: number }> = [];
      for (let i = 0; i < 3; i++) {
        const t0 = Date.now();
        const answer = await request(downLb.url, { agent: false, timeoutMs: 15000 });
        downs.push({ status: answer.status, ms: Date.now() - t0 });
      }
      report(subject, 'all down', { hanging: hangs, refused: downs });
      for (const a of [...hangs, ...downs]) expect([502, 503, 504]).toContain(a.status);
      expect(Math.max(...hangs.map((a) => a.ms))).toBeLessThan(subject.allDownBoundMs + 700);
      expect(Math.max(...downs.map((a) => a.ms))).toBeLessThan(subject.allDownBoundMs + 700);
    }, 40000);

    it('GIVEN load over 3 nodes WHEN one node is killed THEN no request fails', async () => {
      const nodes = await goodNodes(3);
      const lb = await started(
        subject,
        nodes.map((b, i) => ({ name: `node-${i + 1}`, port: b.port })),
      );
      let hitsBefore = 0;
      const run = await loadDuring(
        lb.url,
        async () => {
          await sleep(700);
          hitsBefore = nodes[1].hits();
          await nodes[1].kill();
          await sleep(2000);
        },
        { concurrency: 4, keepAlive: true },
      );
      report(subject, 'killed node', run);
      expect(hitsBefore).toBeGreaterThan(0);
      expect(run.failures).toEqual([]);
      expect(run.ok).toBeGreaterThan(100);
    }, 30000);

    it('GIVEN load on new connections WHEN the daemon reloads 10 times with changing nodes THEN no request fails', async () => {
      const backends = await goodNodes(3);
      const nodes = backends.map((b, i) => ({ name: `node-${i + 1}`, port: b.port }));
      const lb = await started(subject, nodes);
      const run = await loadDuring(
        lb.url,
        async () => {
          for (let i = 0; i < 10; i++) {
            await sleep(150);
            await lb.reload(i % 2 === 0 ? nodes.slice(0, 2) : nodes);
          }
        },
        { concurrency: 4, keepAlive: false },
      );
      report(subject, '10 reloads', run);
      expect(run.failures).toEqual([]);
      expect(run.ok).toBeGreaterThan(100);
    }, 60000);
  });
}
