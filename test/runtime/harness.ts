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

/**
 * An sshd on 127.0.0.1 made by the test, restartable on the same port (a host that goes down and
 * comes back). With `bind`, sshd (and so everything run through it) sees the folder `bind.from`
 * at `bind.onto` (a private mount namespace): several "hosts" on one machine, each with its own
 * files under the same path.
 */
export class TestSshd {
  /** The port. */
  public port = 0;
  private child?: ChildProcess;

  /**
   * @param dir its own folder (host key, config)
   * @param authorizedKeys the public key file of the users who may log in
   */
  constructor(
    private readonly dir: string,
    private readonly authorizedKeys: string,
    private readonly bind?: { readonly from: string; readonly onto: string },
  ) {}

  /** Starts sshd (generating its host key the first time). */
  public async start(): Promise<void> {
    fs.mkdirSync('/run/sshd', { recursive: true });
    fs.mkdirSync(this.dir, { recursive: true });
    if (!fs.existsSync(path.join(this.dir, 'host_key'))) {
      spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(this.dir, 'host_key')]);
    }
    if (!this.port) this.port = await freePort();
    const config = path.join(this.dir, 'sshd_config');
    fs.writeFileSync(
      config,
      [
        `Port ${this.port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${path.join(this.dir, 'host_key')}`,
        `AuthorizedKeysFile ${this.authorizedKeys}`,
        `PidFile ${path.join(this.dir, 'sshd.pid')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'StrictModes no',
        'UsePAM no',
        '',
      ].join('\n'),
    );
    const sshd = `/usr/sbin/sshd -D -e -f ${config}`;
    this.child = this.bind
      ? spawn(
          'unshare',
          [
            '--mount',
            '--propagation',
            'private',
            'sh',
            '-c',
            `mount --bind ${this.bind.from} ${this.bind.onto} && exec ${sshd}`,
          ],
          {
            stdio: 'ignore',
          },
        )
      : spawn('sh', ['-c', `exec ${sshd}`], { stdio: 'ignore' });
    await waitForPort(this.port);
  }

  /** Stops sshd (the host goes down). */
  public async stop(): Promise<void> {
    if (this.child) await stop(this.child);
    this.child = undefined;
  }
}

/**
 * A login user made by the test (root only): no password, a shell, password-less sudo through
 * its own sudoers file. `remove()` deletes both.
 */
export class TestUser {
  /** The login name. */
  public readonly name = `wfrt${process.pid % 100000}`;

  /** Creates the user and its sudoers file. */
  public create(): void {
    spawnSync('userdel', [this.name]);
    const made = spawnSync('useradd', ['--no-create-home', '--shell', '/bin/sh', this.name], {
      encoding: 'utf8',
    });
    if (made.status !== 0) throw new Error(`useradd ${this.name}: ${made.stderr}`);
    // "*": no password, yet not a locked account (sshd refuses locked accounts without PAM).
    spawnSync('usermod', ['-p', '*', this.name]);
    fs.writeFileSync(`/etc/sudoers.d/${this.name}`, `${this.name} ALL=(root) NOPASSWD: ALL\n`, {
      mode: 0o440,
    });
  }

  /** Deletes the user and its sudoers file. */
  public remove(): void {
    fs.rmSync(`/etc/sudoers.d/${this.name}`, { force: true });
    spawnSync('userdel', [this.name]);
  }
}
