import * as fs from 'fs';
import * as path from 'path';
import { renderHaproxy } from '../../lib/config/haproxy';
import { RuntimeBalancer } from '../../lib/runtime';
import { LoopbackSshd, freePort, waitForPort } from '../e2e/loopback';
import {
  Backend,
  Daemon,
  request,
  startBackends,
  startDaemon,
  startLoad,
  stopBackends,
  waitUntil,
  writeFiles,
} from '../support/backends';
import { describeWithTools, tempDir } from '../support/tools';
import { sshTo } from './harness';

/**
 * HAProxy's runtime API reached over SSH: servers are added, drained and removed while requests
 * flow, none fails, and HAProxy is never reloaded (same master and worker, one worker ever
 * forked, no re-execution logged). The configuration is the renderer's own, with pool `web`
 * run-time managed (its backend in its own file under the pools folder).
 */
describeWithTools(
  ['sshd', 'ssh', 'ssh-keygen', 'haproxy', 'python3'],
  'webfarm nodes on a real HAProxy host over SSH (loopback)',
  () => {
    const dir = tempDir('webfarm-rt-haproxy-');
    fs.chmodSync(dir, 0o755);
    const sshd = new LoopbackSshd(dir);
    const root = path.join(dir, 'root');
    const paths = {
      configFile: `${root}/etc/haproxy/haproxy.cfg`,
      chroot: `${root}/var/lib/haproxy`,
      adminSocket: `${root}/run/haproxy/admin.sock`,
      poolsDir: `${root}/etc/haproxy/webfarm/pools`,
    };
    let backends: Backend[];
    let haproxy: Daemon;
    let port: number;
    let lb: RuntimeBalancer;
    const node = (b: Backend) => `127.0.0.1:${b.port}`;

    beforeAll(async () => {
      backends = await startBackends(3);
      await sshd.start();
      port = await freePort();
      for (const d of ['var/lib/haproxy', 'run/haproxy'])
        fs.mkdirSync(path.join(root, d), { recursive: true });
      writeFiles(
        renderHaproxy({
          paths,
          log: false,
          pools: [
            {
              name: 'web',
              options: { runtimeManaged: true },
              nodes: [{ name: 'web-1', host: '127.0.0.1', port: backends[0].port }],
            },
          ],
          listeners: [{ name: 'http', options: { port, defaultPool: 'web' } }],
        }),
      );
      haproxy = await startDaemon('haproxy', ['-W', '-f', paths.configFile, '-f', paths.poolsDir], [port]);
      await waitForPort(port);
      lb = new RuntimeBalancer({
        name: 'haproxy-lb',
        daemon: 'haproxy',
        hosts: [{ name: 'lb-1', address: '127.0.0.1' }],
        ssh: sshTo(sshd, dir),
        includeDir: paths.poolsDir,
        check: `haproxy -c -q -f ${paths.configFile} -f ${paths.poolsDir}`,
        reload: 'false',
        adminSocket: paths.adminSocket,
        lockDir: path.join(dir, 'locks'),
        drainSeconds: 5,
        createPools: false,
        retries: 1,
      });
    }, 30000);

    afterAll(async () => {
      await haproxy?.stop();
      await sshd.stop();
      await stopBackends(backends);
    });

    it('GIVEN load on the listener WHEN servers are added, drained and removed THEN no request fails and HAProxy never reloads', async () => {
      const workers = haproxy.children();
      expect(workers).toHaveLength(1);
      const load = startLoad(`http://127.0.0.1:${port}/`, { concurrency: 4, maxMs: 40000 });
      // WHEN two servers are added through the runtime API
      await lb.addNodes('web', [node(backends[1]), node(backends[2])]);
      await waitUntil(
        'traffic on the added servers',
        () => backends[1].hits() > 20 && backends[2].hits() > 20,
        10000,
      );
      // AND the first server is drained and removed
      await lb.deleteNodes('web', [node(backends[0])]);
      const before = backends[0].hits();
      await waitUntil('more traffic', () => backends[1].hits() > 60, 10000);
      const result = await load.stop();
      // THEN nothing failed, and the removed server got no request after its removal
      expect(result.failures).toEqual([]);
      expect(result.failed).toBe(0);
      expect(result.ok).toBeGreaterThan(100);
      expect(backends[0].hits()).toBe(before);
      // AND the same master and the same single worker serve: no reload, no re-execution
      expect(haproxy.running()).toBe(true);
      expect(haproxy.children()).toEqual(workers);
      expect(haproxy.output()).not.toMatch(/Reexecuting|Reloading/i);
      expect(haproxy.output().match(/New worker/g) ?? []).toHaveLength(1);
      // AND the pool file holds what the runtime holds, so a restart keeps it
      expect((await lb.getNodes('web')).sort()).toEqual([node(backends[1]), node(backends[2])].sort());
      const file = fs.readFileSync(path.join(paths.poolsDir, 'web.cfg'), 'utf8');
      expect(file).toContain(`server 127.0.0.1_${backends[1].port} ${node(backends[1])}`);
      expect(file).not.toContain(node(backends[0]));
    }, 90000);

    it('GIVEN the changed pool file WHEN HAProxy restarts from it THEN it serves the run-time servers only', async () => {
      await haproxy.stop();
      haproxy = await startDaemon('haproxy', ['-W', '-f', paths.configFile, '-f', paths.poolsDir], [port]);
      await waitForPort(port);
      const seen = new Set<string>();
      for (let i = 0; i < 30; i += 1) {
        const answer = await request(`http://127.0.0.1:${port}/`, { agent: false, timeoutMs: 5000 });
        expect(answer.status).toBe(200);
        seen.add(answer.body);
      }
      expect([...seen].sort()).toEqual([String(backends[1].port), String(backends[2].port)].sort());
    }, 30000);

    it('GIVEN a missing pool THEN it reads empty and deleting from it succeeds; creating it is refused (no reload)', async () => {
      expect(await lb.getNodes('other')).toEqual([]);
      await lb.deleteNodes('other', ['10.0.0.1:80']);
      await expect(lb.addNodes('other', ['10.0.0.1:80'])).rejects.toThrow(
        /HAProxy cannot create a backend without a reload/,
      );
      expect(fs.existsSync(path.join(paths.poolsDir, 'other.cfg'))).toBe(false);
    }, 30000);
  },
);
