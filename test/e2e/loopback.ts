import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { run } from '../support/tools';
import { stop } from './netns';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once 127.0.0.1:`port` accepts connections (rejects after `timeoutMs`). */
export async function waitForPort(port: number, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`127.0.0.1:${port} did not open within ${timeoutMs} ms`);
}

/** GET http://127.0.0.1:`port``urlPath` → status and body. */
export function get(
  port: number,
  urlPath = '/',
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, headers, agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .once('error', reject);
  });
}

/** HTTP servers on 127.0.0.1 answering with their name. */
export class Backends {
  /** Port of each backend, by name. */
  public readonly ports = new Map<string, number>();
  private readonly servers: http.Server[] = [];

  /** Starts one backend per name. */
  public async start(...names: string[]): Promise<void> {
    for (const name of names) {
      const server = http.createServer((_req, res) => res.end(name));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      this.servers.push(server);
      this.ports.set(name, (server.address() as net.AddressInfo).port);
    }
  }

  /** The port of backend `name`. */
  public port(name: string): number {
    const port = this.ports.get(name);
    if (port === undefined) throw new Error(`no backend ${name}`);
    return port;
  }

  /** Stops them all. */
  public async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
  }
}

/**
 * An OpenSSH server on 127.0.0.1 that admits root with a freshly generated key: what
 * `ConfigDelivery`'s provisioners log in to in the tests.
 */
export class LoopbackSshd {
  /** The private key file Terraform logs in with. */
  public readonly keyFile: string;
  /** The port. */
  public port = 0;
  private child?: ChildProcess;

  constructor(private readonly dir: string) {
    this.keyFile = path.join(dir, 'id');
  }

  /** Generates the keys, writes sshd_config and starts sshd. */
  public async start(): Promise<void> {
    fs.mkdirSync('/run/sshd', { recursive: true });
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(this.dir, 'host_key')]);
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', this.keyFile]);
    fs.copyFileSync(`${this.keyFile}.pub`, path.join(this.dir, 'authorized_keys'));
    this.port = await freePort();
    const config = path.join(this.dir, 'sshd_config');
    fs.writeFileSync(
      config,
      [
        `Port ${this.port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${path.join(this.dir, 'host_key')}`,
        `AuthorizedKeysFile ${path.join(this.dir, 'authorized_keys')}`,
        `PidFile ${path.join(this.dir, 'sshd.pid')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'StrictModes no',
        'UsePAM no',
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n'),
    );
    this.child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: 'ignore' });
    await waitForPort(this.port);
  }

  /** Stops sshd. */
  public async stop(): Promise<void> {
    if (this.child) await stop(this.child);
  }
}
