import { spawn } from 'child_process';
import { HostError, RuntimeInputError } from './errors';

/** A jump host between this machine and the balancer hosts. */
export interface SshBastion {
  /** Address (or DNS name) of the jump host. */
  readonly address: string;
  /**
   * Login user on the jump host.
   * @default - the balancer hosts' user
   */
  readonly user?: string;
  /**
   * SSH port of the jump host.
   * @default 22
   */
  readonly port?: number;
  /**
   * Private key file for the jump host.
   * @default - the balancer hosts' key (or the agent)
   */
  readonly identityFile?: string;
}

/** How the client logs in to a balancer host (the OpenSSH client does the work). */
export interface SshSettings {
  /** Login user: root, or a user with password-less `sudo`. */
  readonly user: string;
  /**
   * SSH port.
   * @default 22
   */
  readonly port?: number;
  /**
   * Private key file.
   * @default - the keys of the SSH agent (`SSH_AUTH_SOCK`)
   */
  readonly identityFile?: string;
  /**
   * A jump host.
   * @default - direct connection
   */
  readonly bastion?: SshBastion;
  /**
   * known_hosts file.
   * @default - OpenSSH's (`~/.ssh/known_hosts`)
   */
  readonly knownHostsFile?: string;
  /**
   * OpenSSH `StrictHostKeyChecking`: `yes` (the host key must already be known), `accept-new`
   * (remember a new host's key, refuse a changed one).
   * @default 'accept-new'
   */
  readonly hostKeyChecking?: 'yes' | 'accept-new';
  /**
   * Seconds to wait for the TCP connection and the login.
   * @default 10
   */
  readonly connectTimeoutSeconds?: number;
}

/** The output of a remote command. */
export interface RemoteResult {
  /** Exit status (255: ssh itself failed). */
  readonly status: number;
  /** Standard output. */
  readonly stdout: string;
  /** Standard error. */
  readonly stderr: string;
}

/** Checks SSH settings before anything is contacted. */
export function checkSshSettings(where: string, ssh: SshSettings): void {
  const bad = (what: string, value: unknown, allowed: string, fix: string): never => {
    throw new RuntimeInputError({ path: where, what, value, allowed, fix });
  };
  const user = /^[a-z_][a-z0-9_.-]{0,31}$/;
  if (!user.test(ssh.user)) bad('ssh user', ssh.user, 'a login name', 'give the login user, e.g. "debian"');
  if (ssh.bastion?.user !== undefined && !user.test(ssh.bastion.user)) {
    bad('bastion user', ssh.bastion.user, 'a login name', 'give the jump host login user');
  }
  for (const [what, port] of [
    ['ssh port', ssh.port],
    ['bastion port', ssh.bastion?.port],
  ] as const) {
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      bad(what, port, 'a port from 1 to 65535', 'give the SSH port, usually 22');
    }
  }
  if (ssh.bastion) checkAddress(where, 'bastion address', ssh.bastion.address);
}

/** Checks a host address (IPv4, IPv6 or DNS name; no options smuggled to ssh). */
export function checkAddress(where: string, what: string, address: unknown): string {
  if (typeof address !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9.:-]*$/.test(address) || address.length > 253) {
    throw new RuntimeInputError({
      path: where,
      what,
      value: address,
      allowed: 'an IP address or DNS name',
      fix: 'give the address the host is reached at, e.g. "203.0.113.10"',
    });
  }
  return address;
}

function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function commonOptions(ssh: SshSettings, identityFile: string | undefined): string[] {
  return [
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${ssh.connectTimeoutSeconds ?? 10}`,
    '-o',
    'ServerAliveInterval=5',
    '-o',
    'ServerAliveCountMax=3',
    '-o',
    `StrictHostKeyChecking=${ssh.hostKeyChecking ?? 'accept-new'}`,
    '-o',
    'LogLevel=ERROR',
    ...(ssh.knownHostsFile ? ['-o', `UserKnownHostsFile=${ssh.knownHostsFile}`] : []),
    ...(identityFile ? ['-i', identityFile, '-o', 'IdentitiesOnly=yes'] : []),
  ];
}

/** The `ssh` arguments that run `command` on `address`. */
export function sshArguments(address: string, ssh: SshSettings, command: string): string[] {
  const args = [...commonOptions(ssh, ssh.identityFile), '-p', String(ssh.port ?? 22), '-l', ssh.user];
  const b = ssh.bastion;
  if (b) {
    const jump = [
      'ssh',
      ...commonOptions(ssh, b.identityFile ?? ssh.identityFile),
      '-p',
      String(b.port ?? 22),
      '-l',
      b.user ?? ssh.user,
      '-W',
      '[%h]:%p',
      b.address,
    ];
    args.push(
      '-o',
      `ProxyCommand=${jump.map((w) => (/^[A-Za-z0-9_./:=%[\]-]+$/.test(w) ? w : quote(w))).join(' ')}`,
    );
  }
  args.push('--', address, command);
  return args;
}

/**
 * Runs `command` on `address` over SSH with `input` on its standard input.
 * @throws HostError when ssh cannot connect or log in (exit status 255), naming the cause
 */
export function runRemote(
  host: string,
  address: string,
  ssh: SshSettings,
  command: string,
  input: string,
  timeoutMs: number,
): Promise<RemoteResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', sshArguments(address, ssh, command), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new HostError(host, `no answer from ${address} within ${timeoutMs / 1000} s`, true));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new HostError(host, `cannot run ssh: ${error.message}`));
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      if (status === 255) {
        reject(new HostError(host, `ssh to ${ssh.user}@${address} failed: ${describeSshFailure(stderr)}`));
        return;
      }
      resolve({ status: status ?? 1, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

function describeSshFailure(stderr: string): string {
  const text = stderr.trim().split('\n').slice(-3).join(' ').trim();
  if (/Permission denied/.test(text)) {
    return `the host refused the login (${text}). Fix: check the user and the key (identity file or SSH agent)`;
  }
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/.test(text)) {
    return `the host key is unknown or changed (${text}). Fix: check the host, then its known_hosts entry`;
  }
  if (
    /Connection refused|timed out|No route|Could not resolve|Network is unreachable|Connection closed/.test(
      text,
    )
  ) {
    return `the host is unreachable (${text})`;
  }
  return text || 'ssh exited with status 255';
}
