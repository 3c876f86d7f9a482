import { ChildProcess, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';

/**
 * Real loopback backends and daemons for behaviour tests: small Node HTTP servers that answer
 * with their own port, a daemon launcher that waits for a port and cleans up its process group,
 * and a bounded load generator. Everything binds 127.0.0.1 only.
 */

/** Ports free right now on 127.0.0.1 (all held open together, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** A request a backend received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** A small HTTP server on 127.0.0.1 that answers with its port. */
export interface Backend {
  /** Its port (also the body of every answer). */
  readonly port: number;
  /** Requests answered, health checks included. */
  readonly requests: ReceivedRequest[];
  /** Milliseconds it waits before answering a request (health checks are answered at once). */
  delayMs: number;
  /** Status of answers to `/health*` (the balancer's active checks). */
  healthStatus: number;
  /** Requests answered on paths other than `/health*`. */
  hits(): number;
  /** Stops at once: closes the listener and destroys open connections (a crashed node). */
  kill(): Promise<void>;
}

/**
 * Starts `count` backends. Each answers `GET /…` with its port as the body (and header
 * `X-Backend`), `/echo` with a JSON of the request's URL and headers, and records every request
 * (bounded to the last 5,000).
 */
export async function startBackends(count: number, options: { delayMs?: number[] } = {}): Promise<Backend[]> {
  const backends: Backend[] = [];
  for (let i = 0; i < count; i++) backends.push(await startBackend(options.delayMs?.[i] ?? 0));
  return backends;
}

async function startBackend(delayMs: number): Promise<Backend> {
  const sockets = new Set<net.Socket>();
  const requests: ReceivedRequest[] = [];
  let port = 0;
  const backend: Backend = {
    get port() {
      return port;
    },
    requests,
    delayMs,
    healthStatus: 200,
    hits: () => requests.filter((r) => !r.url.startsWith('/health')).length,
    kill: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      });
    },
  };
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (requests.length > 5000) requests.splice(0, requests.length - 5000);
    const health = (req.url ?? '').startsWith('/health');
    const answer = () => {
      if (res.destroyed) return;
      const body = req.url?.startsWith('/echo')
        ? JSON.stringify({ port, url: req.url, headers: req.headers })
        : String(port);
      res.writeHead(health ? backend.healthStatus : 200, {
        'Content-Type': 'text/plain',
        'X-Backend': String(port),
      });
      res.end(body);
    };
    req.resume();
    req.on('end', () => {
      if (backend.delayMs > 0 && !health) setTimeout(answer, backend.delayMs);
      else answer();
    });
  });
  // A websocket handshake is answered with 101, then the tunnel echoes raw bytes back.
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const accept = crypto
      .createHash('sha1')
      .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\nX-Backend: ${port}\r\n\r\n`,
    );
    socket.on('data', (d: Buffer) => socket.write(d));
  });
  server.keepAliveTimeout = 120000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as net.AddressInfo).port;
  return backend;
}

/** Stops every backend that still runs. */
export async function stopBackends(backends: Backend[]): Promise<void> {
  await Promise.all(backends.map((b) => b.kill().catch(() => undefined)));
}

/** An answer of {@link request}. */
export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** One HTTP request with a deadline; rejects on network errors and timeouts. */
export function request(
  url: string,
  options: {
    headers?: http.OutgoingHttpHeaders;
    agent?: http.Agent | false;
    timeoutMs?: number;
    method?: string;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: options.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 5000, () =>
      req.destroy(new Error(`timeout after ${options.timeoutMs ?? 5000} ms`)),
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Opens a websocket upgrade through `url`, sends `message` through the tunnel and returns which
 * backend answered the handshake and what came back.
 */
export function upgradeEcho(url: string, message: string): Promise<{ backend: string; echoed: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      agent: false,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64'),
        'Sec-WebSocket-Version': '13',
      },
    });
    req.setTimeout(5000, () => req.destroy(new Error('websocket upgrade timed out')));
    req.on('response', (res) => reject(new Error(`no upgrade: status ${res.statusCode}`)));
    req.on('upgrade', (res, socket: net.Socket) => {
      let echoed = '';
      socket.on('data', (d: Buffer) => {
        echoed += d.toString();
        if (echoed.length >= message.length) {
          socket.destroy();
          resolve({ backend: String(res.headers['x-backend']), echoed });
        }
      });
      socket.write(message);
    });
    req.on('error', reject);
    req.end();
  });
}

/** What a load run saw. */
export interface LoadResult {
  /** Answers with status 200. */
  readonly ok: number;
  /** Network errors, timeouts and non-200 answers. */
  readonly failed: number;
  /** The first few failures, for the assertion message. */
  readonly failures: string[];
  /** How many answers came from each backend port. */
  readonly byBackend: Map<string, number>;
}

/** A running load generator; `stop()` waits for the requests in flight. */
export interface Load {
  stop(): Promise<LoadResult>;
}

/**
 * Sends GET requests to `url` from `concurrency` loops until `stop()`, `maxRequests` or
 * `maxMs` (whichever comes first). `keepAlive: false` opens a new connection per request.
 */
export function startLoad(
  url: string,
  options: { concurrency?: number; maxRequests?: number; maxMs?: number; keepAlive?: boolean } = {},
): Load {
  const concurrency = options.concurrency ?? 4;
  const maxRequests = options.maxRequests ?? 20000;
  const deadline = Date.now() + (options.maxMs ?? 20000);
  const agent =
    options.keepAlive === false ? false : new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let stopped = false;
  let sent = 0;
  let ok = 0;
  let failed = 0;
  const failures: string[] = [];
  const byBackend = new Map<string, number>();
  const loop = async () => {
    while (!stopped && sent < maxRequests && Date.now() < deadline) {
      sent++;
      try {
        const answer = await request(url, { agent, timeoutMs: 10000 });
        if (answer.status === 200) {
          ok++;
          byBackend.set(answer.body, (byBackend.get(answer.body) ?? 0) + 1);
        } else {
          failed++;
          if (failures.length < 10) failures.push(`status ${answer.status}: ${answer.body.slice(0, 100)}`);
        }
      } catch (e) {
        failed++;
        if (failures.length < 10) failures.push(String(e));
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      if (agent) agent.destroy();
      return { ok, failed, failures, byBackend };
    },
  };
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 50 ms until it returns true; throws after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A daemon started by a test, in its own process group. */
export interface Daemon {
  /** The pid of the process the test started (nginx's or HAProxy's master). */
  readonly pid: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** True until it exits. */
  running(): boolean;
  /** Sends a signal to the process the test started. */
  signal(sig: NodeJS.Signals): void;
  /** Pids of its direct children (nginx or HAProxy workers). */
  children(): number[];
  /** Stops it and everything in its process group (TERM, then KILL after 3 s). */
  stop(): Promise<void>;
}

/**
 * Starts `cmd args` in a new process group and waits until every port in `ports` accepts
 * connections (or throws with the daemon's output after `timeoutMs`).
 */
export async function startDaemon(
  cmd: string,
  args: string[],
  ports: number[],
  timeoutMs = 10000,
): Promise<Daemon> {
  const proc: ChildProcess = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let exited = false;
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<void>((resolve) =>
    proc.on('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const pid = proc.pid as number;
  const daemon: Daemon = {
    pid,
    output: () => out,
    running: () => !exited,
    signal: (sig) => {
      if (!exited) process.kill(pid, sig);
    },
    children: () => childPids(pid),
    stop: async () => {
      if (exited) return;
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const killed = await Promise.race([
        exit.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 3000))),
      ]);
      clearTimeout(timer);
      if (!killed) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await exit;
      }
    },
  };
  try {
    await waitUntil(
      `${path.basename(cmd)} to listen on ${ports.join(', ')}`,
      async () => {
        if (exited) throw new Error(`${cmd} exited early:\n${out}`);
        return (await Promise.all(ports.map(portOpen))).every(Boolean);
      },
      timeoutMs,
    );
  } catch (e) {
    await daemon.stop();
    throw new Error(`${String(e)}\n--- ${cmd} output ---\n${out}`);
  }
  return daemon;
}

/** Direct children of `pid`, from /proc. */
export function childPids(pid: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** True while process `pid` exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Writes rendered files (absolute paths) to disk, creating folders. */
export function writeFiles(files: ReadonlyArray<{ path: string; content: string; mode?: string }>): void {
  for (const file of files) {
    fs.mkdirSync(path.dirname(file.path), { recursive: true });
    fs.writeFileSync(file.path, file.content, { mode: parseInt(file.mode ?? '0644', 8) });
  }
}

// ---------------------------------------------------------------------------------------------
// Golden files and Terraform tokens in rendered text.

/**
 * Compares rendered files with the tree `dir` (each file at `dir` + its absolute path); with
 * `UPDATE_GOLDEN=1` rewrites the tree first. Extra or missing golden files fail too.
 */
export function expectGoldenTree(dir: string, files: ReadonlyArray<{ path: string; content: string }>): void {
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(dir, file.path)), { recursive: true });
      fs.writeFileSync(path.join(dir, file.path), file.content);
    }
  }
  const list = (d: string): string[] =>
    fs.existsSync(d)
      ? fs
          .readdirSync(d, { withFileTypes: true })
          .flatMap((e) => (e.isDirectory() ? list(path.join(d, e.name)) : [path.join(d, e.name)]))
      : [];
  const golden = list(dir).map((f) => `/${path.relative(dir, f)}`);
  expect([...golden].sort()).toEqual(files.map((f) => f.path).sort());
  for (const file of files) {
    const goldenFile = path.join(dir, file.path);
    expect(
      fs.existsSync(goldenFile)
        ? fs.readFileSync(goldenFile, 'utf8')
        : `(missing ${goldenFile}: run with UPDATE_GOLDEN=1)`,
    ).toBe(file.content);
  }
}

/**
 * Replaces Terraform token markers with documentation addresses (192.0.2.1, .2, …), in order of
 * first appearance, so that a daemon can parse the text (what `webfarm configs` does too).
 */
export function substituteTokens(text: string, seen: Map<string, string> = new Map()): string {
  return text.replace(/\$\{TfToken\[TOKEN\.[0-9]+\]\}/g, (marker) => {
    if (!seen.has(marker)) seen.set(marker, `192.0.2.${seen.size + 1}`);
    return seen.get(marker) as string;
  });
}

/** Removes `root` from every path and text, to compare a test rendering with its golden. */
export function unroot<T extends { path: string; content: string }>(files: readonly T[], root: string): T[] {
  return files.map((f) => ({
    ...f,
    path: f.path.split(root).join(''),
    content: f.content.split(root).join(''),
  }));
}
