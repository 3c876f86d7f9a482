import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HostError, RuntimeInputError } from '../../lib/runtime';
import { Backends, get } from '../e2e/loopback';
import { ROOT, describeWithTools, tempDir } from '../support/tools';
import { LoopbackNginx, LoopbackSshd, nginxBalancer } from './harness';

/** Waits (at most 5 s) until 8 fresh requests in a row are answered by `name`. */
async function untilOnly(port: number, name: string): Promise<void> {
  const deadline = Date.now() + 5000;
  let streak = 0;
  while (streak < 8) {
    if (Date.now() > deadline) throw new Error(`port ${port} still answers other than ${name}`);
    streak = (await get(port)).body === name ? streak + 1 : 0;
  }
}

describeWithTools(
  ['sshd', 'ssh', 'ssh-keygen', 'nginx', 'python3', 'flock'],
  'webfarm nodes on a real nginx host over SSH (loopback)',
  () => {
    const dir = tempDir('webfarm-rt-nginx-');
    const sshd = new LoopbackSshd(dir);
    const nginx = new LoopbackNginx(path.join(dir, 'nginx'));
    const backends = new Backends();

    beforeAll(async () => {
      await backends.start('a', 'b');
      await sshd.start();
      await nginx.start([`127.0.0.1:${backends.port('a')}`]);
    }, 30000);

    afterAll(async () => {
      nginx.stop();
      await sshd.stop();
      await backends.close();
    });

    it('GIVEN a missing pool WHEN read THEN it is empty; add creates it; delete of a missing pool or node succeeds', async () => {
      const lb = nginxBalancer(nginx, sshd, dir);
      expect(await lb.getNodes('app')).toEqual([]);
      await lb.deleteNodes('nothing-here', ['10.0.0.1:80']);
      expect(fs.existsSync(path.join(nginx.poolsDir, 'nothing-here.conf'))).toBe(false);
      await lb.addNodes('app', ['10.0.0.5:8080', '[2001:DB8:0::1]:8080', 'LocalHost:80']);
      expect((await lb.getNodes('app')).sort()).toEqual([
        '10.0.0.5:8080',
        '[2001:db8::1]:8080',
        'localhost:80',
      ]);
      await lb.deleteNodes('app', ['10.0.0.5:8080', '10.9.9.9:1']);
      expect((await lb.getNodes('app')).sort()).toEqual(['[2001:db8::1]:8080', 'localhost:80']);
      await lb.deleteNodes('app', ['[2001:db8::1]:8080', 'localhost:80']);
      expect(await lb.getNodes('app')).toEqual([]);
      // An empty upstream is refused by nginx: the file keeps a `down` placeholder, and is valid.
      expect(fs.readFileSync(path.join(nginx.poolsDir, 'app.conf'), 'utf8')).toContain(
        'server 127.0.0.1:9 down;',
      );
    }, 30000);

    it('WHEN a node is added to the served pool THEN nginx reloads gracefully (same master) and sends traffic to it', async () => {
      const lb = nginxBalancer(nginx, sshd, dir);
      const pid = nginx.pid;
      await lb.addNodes('web', [`127.0.0.1:${backends.port('b')}`]);
      const seen = new Set<string>();
      for (let i = 0; i < 20 && seen.size < 2; i += 1) seen.add((await get(nginx.port)).body);
      expect([...seen].sort()).toEqual(['a', 'b']);
      expect(nginx.pid).toBe(pid);
      await lb.deleteNodes('web', [`127.0.0.1:${backends.port('b')}`]);
      // nginx -s reload returns before the new workers take over: wait (bounded) for the change.
      await untilOnly(nginx.port, 'a');
    }, 30000);

    it('GIVEN two deployment workers each making 20 concurrent adds to one pool THEN all 40 nodes are there (no lost update)', async () => {
      const workers = [0, 1].map(() => nginxBalancer(nginx, sshd, dir, { retries: 4, retryDelayMs: 300 }));
      const nodes = Array.from({ length: 40 }, (_, i) => `10.1.${Math.floor(i / 20)}.${(i % 20) + 1}:8080`);
      await Promise.all(nodes.map((n, i) => workers[i % 2].addNodes('crowd', [n])));
      expect((await workers[0].getNodes('crowd')).sort()).toEqual([...nodes].sort());
    }, 90000);

    it('GIVEN one pool locked by another writer WHEN another pool changes THEN it is not blocked', async () => {
      // GIVEN a writer holding pool "slow"'s lock on the host for 20 s
      const locks = path.join(dir, 'locks');
      fs.mkdirSync(locks, { recursive: true });
      const lockFile = path.join(locks, 'pool-nginx-slow.lock');
      const holder = spawn('flock', [lockFile, 'sh', '-c', 'echo locked; sleep 40'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      await new Promise((r) => holder.stdout.once('data', r));
      try {
        const lb = nginxBalancer(nginx, sshd, dir, { lockSeconds: 1 });
        await lb.addNodes('fast', ['10.2.0.1:80']);
        // THEN the change of pool "fast" finished while "slow" was still locked
        expect(holder.exitCode).toBeNull();
        expect(await lb.getNodes('fast')).toEqual(['10.2.0.1:80']);
        // AND the locked pool's writer waits, then gives up without changing anything
        await expect(lb.addNodes('slow', ['10.2.0.2:80'])).rejects.toThrow(
          /another change has held .*pool-nginx-slow\.lock/,
        );
        expect(await lb.getNodes('slow')).toEqual([]);
      } finally {
        holder.kill();
      }
    }, 30000);

    it('WHEN a change fails nginx -t THEN the previous file is back and the old pool keeps serving', async () => {
      const lb = nginxBalancer(nginx, sshd, dir);
      const file = path.join(nginx.poolsDir, 'web.conf');
      const before = fs.readFileSync(file, 'utf8');
      // A DNS name nginx cannot resolve at check time: a valid node string that nginx -t rejects.
      await expect(lb.addNodes('web', ['no-such-host.invalid:80'])).rejects.toThrow(
        /rejected the new pool file; the previous file is back in place/,
      );
      expect(fs.readFileSync(file, 'utf8')).toBe(before);
      expect((await get(nginx.port)).body).toBe('a');
    }, 30000);

    it('GIVEN bad node strings THEN each is a clear error and nothing changed', async () => {
      const lb = nginxBalancer(nginx, sshd, dir);
      const before = fs.readdirSync(nginx.poolsDir).sort();
      const web = fs.readFileSync(path.join(nginx.poolsDir, 'web.conf'), 'utf8');
      for (const [node, message] of [
        ['10.0.0.1', /give the host and the port/],
        ['2001:db8::1:80', /write an IPv6 address in brackets/],
        ['10.0.0.1:0', /port from 1 to 65535/],
        ['10.0.0.1:80;evil', /allowed: "host:port"/],
        ['bad host:80', /allowed: "host:port"/],
      ] as const) {
        // one bad node among good ones: the whole call is refused before any host is contacted
        await expect(lb.addNodes('web', ['10.3.0.1:80', node])).rejects.toThrow(message);
        await expect(lb.deleteNodes('web', [node])).rejects.toBeInstanceOf(RuntimeInputError);
      }
      expect(fs.readdirSync(nginx.poolsDir).sort()).toEqual(before);
      expect(fs.readFileSync(path.join(nginx.poolsDir, 'web.conf'), 'utf8')).toBe(web);
    });

    it('GIVEN the command line WHEN nodes add and get run with --config THEN they change and print the pool', () => {
      const config = path.join(dir, 'frontends.json');
      fs.writeFileSync(
        config,
        JSON.stringify({
          name: 'frontends',
          daemon: 'nginx',
          hosts: [{ name: 'fe1', address: '127.0.0.1' }],
          ssh: { user: 'root', port: sshd.port, knownHostsFile: path.join(dir, 'known_hosts') },
          includeDir: nginx.poolsDir,
          check: nginx.check,
          reload: nginx.reload,
          lockDir: path.join(dir, 'locks'),
        }),
      );
      const webfarm = (...args: string[]) =>
        spawnSync(
          process.execPath,
          [
            path.join(ROOT, 'bin', 'webfarm.js'),
            'nodes',
            ...args,
            '--config',
            config,
            '--identity',
            sshd.keyFile,
          ],
          {
            encoding: 'utf8',
            timeout: 90000,
          },
        );
      const added = webfarm('add', 'cli', '10.5.0.1:80', '[2001:db8::7]:80');
      expect(added.stderr).toBe('');
      expect(added.stdout).toBe("added 2 node(s) to pool 'cli' on fe1\n");
      expect(added.status).toBe(0);
      const listed = webfarm('get', 'cli', '--json');
      expect(JSON.parse(listed.stdout)).toEqual({ pool: 'cli', nodes: ['10.5.0.1:80', '[2001:db8::7]:80'] });
    }, 120000);

    it.each(['../etc/passwd', 'a b', '', 'web;rm'])(
      'GIVEN the pool name %j THEN a clear error',
      async (pool) => {
        const lb = nginxBalancer(nginx, sshd, dir);
        await expect(lb.addNodes(pool, ['10.0.0.1:80'])).rejects.toThrow(/pool name .* is not allowed/);
      },
    );

    it('GIVEN an unreachable host or a wrong key THEN a clear error naming the host, and nothing changed', async () => {
      const unreachable = nginxBalancer(nginx, sshd, dir, {
        hosts: [{ name: 'fe9', address: '127.0.0.1' }],
        ssh: { user: 'root', port: 1, identityFile: sshd.keyFile, connectTimeoutSeconds: 2 },
      });
      await expect(unreachable.addNodes('web', ['10.4.0.1:80'])).rejects.toThrow(
        /fe9: ssh to root@127\.0\.0\.1 failed: the host is unreachable/,
      );
      const wrongKey = path.join(dir, 'wrong');
      require('child_process').execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
      const refused = nginxBalancer(nginx, sshd, dir, {
        ssh: {
          user: 'root',
          port: sshd.port,
          identityFile: wrongKey,
          knownHostsFile: path.join(dir, 'known_hosts'),
        },
      });
      const error = await refused.addNodes('web', ['10.4.0.1:80']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HostError);
      expect((error as Error).message).toMatch(/refused the login .*Fix: check the user and the key/);
      expect(await nginxBalancer(nginx, sshd, dir).getNodes('web')).toEqual([
        `127.0.0.1:${backends.port('a')}`,
      ]);
    }, 30000);
  },
);
