/**
 * Data-plane benchmark: `wrk` on loopback against small real backends (three nginx processes
 * answering `200 ok`), through our rendered nginx, our rendered HAProxy, a bare HAProxy with
 * `http-reuse safe`, the seed write-ups' nginx (an `upstream` without keepalive, nginx's
 * defaults), and directly to one backend (the ceiling). Targets run interleaved, `reps` times.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nginxLayout, renderNginx } from '../lib/config/nginx';
import { renderHaproxy } from '../lib/config/haproxy';
import { Daemon, childPids, freePorts, startDaemon, waitUntil, writeFiles } from '../test/support/backends';

/** One wrk run. */
export interface WrkRun {
  /** Requests per second. */
  readonly requestsPerSecond: number;
  /** Median latency, ms. */
  readonly p50Ms: number;
  /** 99th percentile latency, ms. */
  readonly p99Ms: number;
  /** Socket errors plus non-2xx/3xx responses. */
  readonly errors: number;
  /** Sockets in TIME_WAIT on the target's ports right after the run that this run left. */
  readonly timeWait: number;
  /**
   * CPU time the proxy's processes spent per request, µs (none for `direct`): steadier than
   * requests per second on a machine shared with other work.
   */
  readonly proxyCpuUsPerRequest?: number;
}

/** What one target is. */
export type TargetName = 'direct' | 'seed-nginx' | 'ours-nginx' | 'ours-haproxy' | 'bare-haproxy';

/** The targets in the order they run in each repetition. */
export const TARGETS: readonly TargetName[] = [
  'direct',
  'seed-nginx',
  'ours-nginx',
  'ours-haproxy',
  'bare-haproxy',
];

/** Result of the data-plane group. */
export interface DataPlaneResult {
  /** Why the group did not run, when it did not. */
  readonly skipped?: string;
  /** wrk's command line (without the URL). */
  readonly wrk?: string;
  /** Runs per target, in repetition order. */
  readonly runs: Partial<Record<TargetName, WrkRun[]>>;
}

const BACKENDS = 3;

function which(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).status === 0;
}

function tree(name: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `webfarm-bench-${name}-`));
  fs.chmodSync(root, 0o755);
  for (const dir of [
    'etc/nginx',
    'etc/haproxy',
    'var/log/nginx',
    'var/lib/nginx',
    'var/lib/haproxy',
    'run/haproxy',
  ]) {
    fs.mkdirSync(path.join(root, dir), { recursive: true });
  }
  return root;
}

function nginxBase(root: string): string {
  return [`pid ${root}/run/nginx.pid;`, `error_log ${root}/var/log/nginx/error.log warn;`].join('\n');
}

function tempPaths(root: string): string {
  return ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `    ${t}_temp_path ${root}/var/lib/nginx/${t};`)
    .join('\n');
}

/** A backend: one nginx worker answering `200 ok` on one port per target. */
function backendConfig(root: string, ports: number[]): string {
  const servers = ports
    .map((p) => `    server { listen 127.0.0.1:${p} reuseport; location / { return 200 "ok\\n"; } }`)
    .join('\n');
  return `${nginxBase(root)}\nworker_processes 1;\nevents { worker_connections 4096; }\nhttp {\n    access_log off;\n    keepalive_requests 100000;\n${tempPaths(root)}\n${servers}\n}\n`;
}

/** The seed write-ups' nginx: an upstream and proxy_pass, everything else nginx's defaults. */
function seedConfig(root: string, listen: number, nodes: number[]): string {
  return [
    nginxBase(root),
    'worker_processes auto;',
    'events { }',
    'http {',
    `    access_log ${root}/var/log/nginx/access.log;`,
    tempPaths(root),
    '    upstream app {',
    ...nodes.map((p) => `        server 127.0.0.1:${p};`),
    '    }',
    `    server { listen 127.0.0.1:${listen}; location / { proxy_pass http://app; } }`,
    '}',
    '',
  ].join('\n');
}

/** A bare HAProxy: three servers, `http-reuse safe`, timeouts, nothing else. */
function bareHaproxyConfig(listen: number, nodes: number[]): string {
  return [
    'global',
    '    maxconn 4096',
    'defaults',
    '    mode http',
    '    timeout connect 5s',
    '    timeout client 50s',
    '    timeout server 50s',
    'frontend web',
    `    bind 127.0.0.1:${listen}`,
    '    default_backend web',
    'backend web',
    '    http-reuse safe',
    ...nodes.map((p, i) => `    server web-${i + 1} 127.0.0.1:${p}`),
    '',
  ].join('\n');
}

function ms(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

/** Parses wrk's report (run with --latency). */
export function parseWrk(output: string): Omit<WrkRun, 'timeWait'> {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const p50 = /^\s+50%\s+(\S+)/m.exec(output);
  const p99 = /^\s+99%\s+(\S+)/m.exec(output);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (!rps || !p50 || !p99) throw new Error(`cannot read wrk's output:\n${output}`);
  const errors =
    (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  return { requestsPerSecond: Number(rps[1]), p50Ms: ms(p50[1]), p99Ms: ms(p99[1]), errors };
}

/**
 * Sockets in TIME_WAIT with a local or peer port in `ports` that entered it in the last
 * `withinSeconds` (Linux keeps a socket in TIME_WAIT for 60 s; `ss -o` shows the time left), so
 * an earlier run's sockets are not counted.
 */
function timeWaitOn(ports: ReadonlySet<number>, withinSeconds: number): number {
  const out = spawnSync('ss', ['-Htano', 'state', 'time-wait'], { encoding: 'utf8' }).stdout ?? '';
  let count = 0;
  for (const line of out.split('\n')) {
    const timer = /timer:\(timewait,([\d.]+)(ms|sec|min)/.exec(line);
    const fields = line.trim().split(/\s+/);
    if (!timer || fields.length < 5) continue;
    const left = Number(timer[1]) * (timer[2] === 'ms' ? 0.001 : timer[2] === 'min' ? 60 : 1);
    if (left < 60 - withinSeconds) continue;
    const local = Number(fields[2].split(':').pop());
    const peer = Number(fields[3].split(':').pop());
    if (ports.has(local) || ports.has(peer)) count++;
  }
  return count;
}

/** CPU seconds used so far by `pid` and its children (utime + stime from /proc). */
function cpuSeconds(pid: number): number {
  const hz = 100; // USER_HZ on Linux
  let ticks = 0;
  for (const p of [pid, ...childPids(pid)]) {
    try {
      const fields = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited in between
    }
  }
  return ticks / hz;
}

/**
 * Runs the group: `seconds` per wrk run, `reps` interleaved repetitions, wrk with one thread and
 * `connections` connections.
 */
export async function dataPlane(seconds: number, reps: number, connections = 50): Promise<DataPlaneResult> {
  const missing = ['wrk', 'nginx', 'haproxy', 'ss'].filter((b) => !which(b));
  if (missing.length) {
    return {
      skipped: `missing ${missing.join(', ')} (apt-get install wrk nginx haproxy iproute2)`,
      runs: {},
    };
  }
  const listenPorts = await freePorts(TARGETS.length + 2);
  const backendPorts = await freePorts(TARGETS.length * BACKENDS);
  const [nginxStatus, haproxyStats] = listenPorts.slice(TARGETS.length);
  /** Target → its listener port and the backend ports it uses. */
  const ports = new Map<TargetName, { listen: number; nodes: number[] }>();
  TARGETS.forEach((t, i) =>
    ports.set(t, { listen: listenPorts[i], nodes: backendPorts.slice(i * BACKENDS, (i + 1) * BACKENDS) }),
  );
  // direct: wrk talks to the first backend itself
  const direct = ports.get('direct')!;
  ports.set('direct', { listen: direct.nodes[0], nodes: direct.nodes });

  const daemons: Daemon[] = [];
  const proxies = new Map<TargetName, Daemon>();
  const roots: string[] = [];
  const start = async (cmd: string, args: string[], waitFor: number[]) => {
    const daemon = await startDaemon(cmd, args, waitFor);
    daemons.push(daemon);
    return daemon;
  };
  try {
    // Three backends; backend b listens on port b of every target's trio.
    for (let b = 0; b < BACKENDS; b++) {
      const root = tree(`backend${b + 1}`);
      roots.push(root);
      const own = TARGETS.map((t) => ports.get(t)!.nodes[b]);
      const conf = path.join(root, 'etc/nginx/nginx.conf');
      fs.writeFileSync(conf, backendConfig(root, own));
      await start('nginx', ['-c', conf, '-g', 'daemon off;'], own);
    }
    const seed = ports.get('seed-nginx')!;
    {
      const root = tree('seed');
      roots.push(root);
      const conf = path.join(root, 'etc/nginx/nginx.conf');
      fs.writeFileSync(conf, seedConfig(root, seed.listen, seed.nodes));
      proxies.set('seed-nginx', await start('nginx', ['-c', conf, '-g', 'daemon off;'], [seed.listen]));
    }
    const oursNginx = ports.get('ours-nginx')!;
    {
      const root = tree('ours-nginx');
      roots.push(root);
      const config = {
        paths: {
          confDir: `${root}/etc/nginx`,
          logDir: `${root}/var/log/nginx`,
          pidFile: `${root}/run/nginx.pid`,
          tempDir: `${root}/var/lib/nginx`,
          cacheDir: `${root}/var/lib/nginx`,
        },
        stream: false,
        status: { port: nginxStatus },
        pools: [{ name: 'web', options: {}, nodes: oursNodes(oursNginx.nodes) }],
        listeners: [
          {
            name: 'http',
            options: { port: oursNginx.listen, defaultPool: 'web', allowedCidrs: ['127.0.0.0/8'] },
          },
        ],
      };
      writeFiles(renderNginx(config));
      proxies.set(
        'ours-nginx',
        await start(
          'nginx',
          ['-c', nginxLayout(config.paths).mainConfig, '-g', 'daemon off;'],
          [oursNginx.listen],
        ),
      );
    }
    const oursHaproxy = ports.get('ours-haproxy')!;
    {
      const root = tree('ours-haproxy');
      roots.push(root);
      const [file] = renderHaproxy({
        paths: {
          configFile: `${root}/etc/haproxy/haproxy.cfg`,
          chroot: `${root}/var/lib/haproxy`,
          adminSocket: `${root}/run/haproxy/admin.sock`,
        },
        stats: { port: haproxyStats },
        pools: [{ name: 'web', options: {}, nodes: oursNodes(oursHaproxy.nodes) }],
        listeners: [
          {
            name: 'http',
            options: { port: oursHaproxy.listen, defaultPool: 'web', allowedCidrs: ['127.0.0.0/8'] },
          },
        ],
      });
      writeFiles([file]);
      proxies.set(
        'ours-haproxy',
        await start('haproxy', ['-W', '-db', '-f', file.path], [oursHaproxy.listen]),
      );
    }
    const bare = ports.get('bare-haproxy')!;
    {
      const root = tree('bare-haproxy');
      roots.push(root);
      const file = path.join(root, 'etc/haproxy/haproxy.cfg');
      fs.writeFileSync(file, bareHaproxyConfig(bare.listen, bare.nodes));
      proxies.set('bare-haproxy', await start('haproxy', ['-W', '-db', '-f', file], [bare.listen]));
    }

    const wrkArgs = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency'];
    const runs: Partial<Record<TargetName, WrkRun[]>> = {};
    for (let rep = 0; rep < reps; rep++) {
      for (const target of TARGETS) {
        const { listen, nodes } = ports.get(target)!;
        const watched = new Set([listen, ...nodes]);
        const proxy = proxies.get(target);
        const cpuBefore = proxy ? cpuSeconds(proxy.pid) : 0;
        const wrk = spawnSync('wrk', [...wrkArgs, `http://127.0.0.1:${listen}/`], {
          encoding: 'utf8',
          timeout: (seconds + 30) * 1000,
        });
        if (wrk.status !== 0) throw new Error(`wrk against ${target} failed:\n${wrk.stdout}${wrk.stderr}`);
        const timeWait = timeWaitOn(watched, seconds + 2);
        const result = parseWrk(wrk.stdout);
        const requests = result.requestsPerSecond * seconds;
        (runs[target] ??= []).push({
          ...result,
          timeWait,
          ...(proxy ? { proxyCpuUsPerRequest: ((cpuSeconds(proxy.pid) - cpuBefore) * 1e6) / requests } : {}),
        });
        for (const d of daemons) if (!d.running()) throw new Error(`a daemon exited:\n${d.output()}`);
      }
    }
    return { wrk: `wrk ${wrkArgs.join(' ')}`, runs };
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
    await waitUntil('the benchmark daemons to stop', () => daemons.every((d) => !d.running()), 10000);
    for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
  }
}

function oursNodes(ports: number[]): Array<{ name: string; host: string; port: number }> {
  return ports.map((port, i) => ({ name: `web-${i + 1}`, host: '127.0.0.1', port }));
}
