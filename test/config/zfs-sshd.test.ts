import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { renderZfsAuthorizedKey } from '../../lib/config/zfs';
import { describeWithTools, run, tempDir, which } from '../support/tools';

/**
 * The replica's authorized_keys line in front of a real sshd on loopback: whatever the client
 * asks for, only the forced `zfs receive -F` runs; forwarding is refused; another source
 * address is refused.
 */

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describeWithTools(['sshd', 'ssh', 'ssh-keygen'], 'replica authorized_keys on a real sshd (loopback)', () => {
  let dir: string;
  let port: number;
  let sshd: ChildProcess | undefined;
  let log = '';
  const user = os.userInfo().username;

  /** Starts sshd on loopback with `authorizedKeys` as the only keys file. */
  async function startSshd(authorizedKeys: string): Promise<void> {
    fs.writeFileSync(path.join(dir, 'authorized_keys'), authorizedKeys, { mode: 0o600 });
    if (sshd) return;
    port = await freePort();
    const config = path.join(dir, 'sshd_config');
    fs.writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${path.join(dir, 'hostkey')}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        'PermitRootLogin forced-commands-only',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        '',
      ].join('\n'),
    );
    // sshd refuses to start without its privilege-separation directory (the package's unit makes it).
    if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    sshd = spawn(which('sshd') ?? 'sshd', ['-D', '-e', '-f', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    sshd.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 10000;
    while (!/Server listening/.test(log)) {
      if (sshd.exitCode !== null || Date.now() > deadline) throw new Error(`sshd did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  function ssh(args: string[]) {
    return spawnSync(
      'ssh',
      [
        '-i',
        path.join(dir, 'client'),
        '-p',
        String(port),
        '-o',
        'BatchMode=yes',
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`,
        ...args,
      ],
      { encoding: 'utf8', input: 'NOT-A-ZFS-STREAM\n', timeout: 20000 },
    );
  }

  function line(from: string): string {
    const publicKey = fs.readFileSync(path.join(dir, 'client.pub'), 'utf8').trim();
    return `${renderZfsAuthorizedKey({ publicKey, dataset: 'nsboot0/images', from })}\n`;
  }

  beforeAll(() => {
    dir = tempDir('webfarm-sshd-');
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'hostkey')]);
    run('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'webfarm-zfs-replication',
      '-f',
      path.join(dir, 'client'),
    ]);
  });

  afterAll(async () => {
    if (sshd && sshd.exitCode === null) {
      const exited = new Promise((r) => sshd?.once('exit', r));
      sshd.kill('SIGTERM');
      await exited;
    }
  });

  it('runs the forced zfs receive instead of the command the client asks for', async () => {
    // GIVEN the rendered line, for the primary at 127.0.0.1
    await startSshd(line('127.0.0.1'));
    const marker = path.join(dir, 'pwned');
    // WHEN the key asks for another command
    const result = ssh([`${user}@127.0.0.1`, `touch ${marker}`]);
    // THEN that command never ran; the forced one did (sudo zfs receive, absent or refusing the stream)
    expect(fs.existsSync(marker)).toBe(false);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/zfs|sudo/);
    // (sshd's log arrives once the event loop runs again)
    for (let i = 0; i < 40 && !/Accepted publickey/.test(log); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(log).toMatch(/Accepted publickey/);
  });

  it('refuses port forwarding (restrict)', async () => {
    await startSshd(line('127.0.0.1'));
    const result = ssh(['-o', 'ExitOnForwardFailure=yes', '-N', '-R', '0:127.0.0.1:9', `${user}@127.0.0.1`]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/forwarding failed/i);
  });

  it("refuses the key from any address but the primary's (from=)", async () => {
    await startSshd(line('10.9.9.9'));
    const result = ssh([`${user}@127.0.0.1`, 'true']);
    expect(result.status).toBe(255);
    expect(result.stderr).toMatch(/Permission denied/);
  });
});
