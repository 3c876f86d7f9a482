import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DivergedPoolError, PartialFailureError, RuntimeBalancer } from '../../lib/runtime';
import { Backends, get } from '../e2e/loopback';
import { describeWithTools, tempDir } from '../support/tools';
import { LoopbackNginx, TestSshd, TestUser } from './harness';

/**
 * The seed's list of frontends: two nginx "hosts" on loopback, each an sshd in its own mount
 * namespace that sees its own folder at the same path, logged in to as a test-made user with
 * password-less sudo. One host goes down: the change is reported as partial, and converges when
 * the host returns and the call is repeated.
 */
// Making users and mount namespaces needs root; elsewhere the suite is skipped loudly.
const root = process.getuid?.() === 0;
describeWithTools(
  [
    'sshd',
    'ssh',
    'ssh-keygen',
    'nginx',
    'python3',
    'unshare',
    'sudo',
    'useradd',
    ...(root ? [] : ['root-privileges']),
  ],
  'webfarm nodes on a balancer with two hosts (loopback, test-made user)',
  () => {
    const dir = tempDir('webfarm-rt-pair-');
    // The test-made user's sshd session reads the key below this file's private TMPDIR (mode
    // 700): let other users pass through the folders this test file owns, up to the system's.
    for (let d = dir; d.startsWith(`${process.env.WEBFARM_TEST_TMPDIR ?? '/tmp'}/`); d = path.dirname(d)) {
      fs.chmodSync(d, 0o755);
    }
    const shared = path.join(dir, 'host');
    const user = new TestUser();
    const backends = new Backends();
    const key = path.join(dir, 'key');
    const hosts = ['fe1', 'fe2'].map((name) => {
      const own = path.join(dir, name);
      return {
        name,
        nginx: new LoopbackNginx(own),
        sshd: new TestSshd(path.join(dir, `${name}-ssh`), `${key}.pub`, { from: own, onto: shared }),
      };
    });
    let lb: RuntimeBalancer;

    beforeAll(async () => {
      user.create();
      fs.mkdirSync(shared, { recursive: true });
      spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
      fs.chmodSync(`${key}.pub`, 0o644);
      await backends.start('a', 'b');
      for (const h of hosts) {
        await h.nginx.start([`127.0.0.1:${backends.port('a')}`]);
        await h.sshd.start();
      }
      lb = new RuntimeBalancer({
        name: 'frontends',
        daemon: 'nginx',
        hosts: hosts.map((h) => ({ name: h.name, address: '127.0.0.1', sshPort: h.sshd.port })),
        ssh: { user: user.name, identityFile: key, knownHostsFile: '/dev/null', connectTimeoutSeconds: 5 },
        includeDir: path.join(shared, 'pools'),
        check: `nginx -t -q -c ${shared}/nginx.conf`,
        reload: `nginx -c ${shared}/nginx.conf -s reload`,
        lockDir: path.join(shared, 'locks'),
        retries: 1,
        retryDelayMs: 200,
      });
    }, 60000);

    afterAll(async () => {
      for (const h of hosts) {
        h.nginx.stop();
        await h.sshd.stop();
      }
      await backends.close();
      user.remove();
    });

    it('GIVEN both hosts up WHEN a node is added THEN both serve it', async () => {
      await lb.addNodes('web', [`127.0.0.1:${backends.port('b')}`]);
      for (const h of hosts) {
        expect(fs.readFileSync(path.join(h.nginx.poolsDir, 'web.conf'), 'utf8')).toContain(
          `127.0.0.1:${backends.port('b')}`,
        );
        const seen = new Set<string>();
        for (let i = 0; i < 20 && seen.size < 2; i += 1) seen.add((await get(h.nginx.port)).body);
        expect([...seen].sort()).toEqual(['a', 'b']);
      }
    }, 60000);

    it('GIVEN one host down WHEN a node is added THEN the failure names it; reads refuse the diverged pool until the repeated call converges', async () => {
      await hosts[1].sshd.stop();
      const error = await lb.addNodes('web', ['10.9.0.1:80']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PartialFailureError);
      expect((error as PartialFailureError).failedHosts).toEqual(['fe2']);
      expect((error as Error).message).toMatch(
        /reached 1 of 2 hosts \(done: fe1\); failed: fe2: ssh .* failed: the host is unreachable.*repeat the same call/,
      );
      // WHEN the host returns, the pool reads as diverged rather than as either host's list
      await hosts[1].sshd.start();
      await expect(lb.getNodes('web')).rejects.toBeInstanceOf(DivergedPoolError);
      // AND the repeated call (idempotent) converges both hosts
      await lb.addNodes('web', ['10.9.0.1:80']);
      expect((await lb.getNodes('web')).sort()).toEqual(
        [`127.0.0.1:${backends.port('a')}`, `127.0.0.1:${backends.port('b')}`, '10.9.0.1:80'].sort(),
      );
      for (const h of hosts)
        expect(fs.readFileSync(path.join(h.nginx.poolsDir, 'web.conf'), 'utf8')).toContain('10.9.0.1:80');
    }, 90000);
  },
);
