import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { RuntimeBalancer, RuntimeBalancerSettings } from '../../lib/runtime';
import { LoopbackSshd, freePort, waitForPort } from '../e2e/loopback';
import { stop } from '../e2e/netns';

/** The SSH settings of a client logging in to `sshd` as root with its key. */
export function sshTo(sshd: LoopbackSshd, dir: string) {
  return {
    user: 'root',
    port: sshd.port,
    identityFile: sshd.keyFile,
    knownHostsFile: path.join(dir, 'known_hosts'),
    connectTimeoutSeconds: 5,
  };
}

/** An nginx on loopback whose pools live in `<root>/pools`, serving pool `web` on `port`. */
export class LoopbackNginx {
  /** The pools folder (the include directory). */
  public readonly poolsDir: string;
  /** The main configuration. */
  public readonly config: string;
  /** The listener port. */
  public port = 0;

  constructor(public readonly root: string) {
    this.poolsDir = path.join(root, 'pools');
    this.config = path.join(root, 'nginx.conf');
  }

  /** The master's pid. */
  public get pid(): number {
    return Number(fs.readFileSync(path.join(this.root, 'nginx.pid'), 'utf8').trim());
  }

  /** Check command. */
  public get check(): string {
    return `nginx -t -q -c ${this.config}`;
  }

  /** Reload command. */
  public get reload(): string {
    return `nginx -c ${this.config} -s reload`;
  }

  /** Writes the configuration, pool `web` with `initial` nodes, and starts nginx. */
  public async start(initial: string[]): Promise<void> {
    fs.mkdirSync(this.poolsDir, { recursive: true });
    fs.mkdirSync(path.join(this.root, 'tmp'), { recursive: true });
    this.port = await freePort();
    const r = this.root;
    fs.writeFileSync(
      this.config,
      [
        'worker_processes 1;',
        `pid ${r}/nginx.pid;`,
        `error_log ${r}/error.log warn;`,
        'events { worker_connections 256; }',
        'http {',
        `  access_log off;`,
        `  client_body_temp_path ${r}/tmp/body; proxy_temp_path ${r}/tmp/proxy;`,
        `  fastcgi_temp_path ${r}/tmp/fcgi; uwsgi_temp_path ${r}/tmp/uwsgi; scgi_temp_path ${r}/tmp/scgi;`,
        `  include ${this.poolsDir}/*.conf;`,
        `  server { listen 127.0.0.1:${this.port}; location / { proxy_pass http://web; } }`,
        '}',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(this.poolsDir, 'web.conf'),
      [
        'upstream web {',
        '    zone webfarm_http_web 64k;',
        '    # webfarm:server-options max_fails=3 fail_timeout=30s',
        ...initial.map((n) => `    server ${n} max_fails=3 fail_timeout=30s;`),
        '}',
        '',
      ].join('\n'),
    );
    const started = spawnSync('nginx', ['-c', this.config], { encoding: 'utf8' });
    if (started.status !== 0) throw new Error(`nginx did not start: ${started.stderr}`);
    await waitForPort(this.port);
  }

  /** Stops nginx. */
  public stop(): void {
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
}

/** A runtime balancer over the loopback nginx. */
export function nginxBalancer(
  nginx: LoopbackNginx,
  sshd: LoopbackSshd,
  dir: string,
  extra: Partial<RuntimeBalancerSettings> = {},
): RuntimeBalancer {
  return new RuntimeBalancer({
    name: 'frontends',
    daemon: 'nginx',
    hosts: [{ name: 'fe1', address: '127.0.0.1' }],
    ssh: sshTo(sshd, dir),
    includeDir: nginx.poolsDir,
    check: nginx.check,
    reload: nginx.reload,
    lockDir: path.join(dir, 'locks'),
    retries: 0,
    ...extra,
  });
}

/** Starts a child and resolves when it prints `ready`. */
export async function startChild(cmd: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${cmd} exited ${code}`)));
  });
  return child;
}

export { LoopbackSshd, freePort, stop, waitForPort };
