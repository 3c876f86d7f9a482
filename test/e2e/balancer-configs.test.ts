import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from '../../lib/core/cdk';
import { EXAMPLE_STACKS } from '../../stacks';
import { ROOT, run, tempDir, writeSelfSignedCertificate } from '../support/tools';
import { Netns, describeWithNamespaces, stop, veth, waitFor } from './netns';

/**
 * `webfarm configs --local-paths` on the synthesized balancer examples: every file with a check
 * passes it (nginx -t, haproxy -c, keepalived -t, cloud-init schema), and the nginx and HAProxy
 * configurations, started for real, route requests as their pools say. The daemons run in a
 * network namespace made here; the workers' documentation addresses (192.0.2.x) are assigned in
 * a second namespace behind it, where responders answer with the address and port they were
 * reached on.
 */

const BALANCERS: Record<string, string[]> = {
  'visa-nginx': ['visa-lb'],
  'pavics-nginx': ['pavics-proxy'],
  'nsboot-haproxy': ['nsboot-lb-1', 'nsboot-lb-2'],
  'balancer-ha': ['web-lb-1', 'web-lb-2'],
  visa: ['visa-lb'],
  velociraptor: ['frontend1', 'haproxy1'],
  'nsboot-nginx': ['nsboot-lb'],
  'nsboot-haproxy-tls': ['nsboot-lb-1', 'nsboot-lb-2'],
  // Not a balancer: the ZFS primary with its NFS export (its cloud-init is checked like the others').
  'shared-storage-zfs': ['images-primary'],
};
const STACKS = Object.keys(BALANCERS);

/** Where this machine's nginx package enables its dynamic modules. */
const MACHINE_MODULES = '/etc/nginx/modules-enabled';

interface ManifestEntry {
  readonly path: string;
  readonly localCheck?: string;
}

interface Probe {
  readonly status: number;
  readonly body: string;
}

describeWithNamespaces(
  ['nginx', 'haproxy', 'keepalived', 'cloud-init', 'python3'],
  'webfarm configs --local-paths on the balancer examples: checked and routing for real',
  () => {
    // Short names: HAProxy's stats socket lands under OUT and Unix socket paths have at most 97
    // characters (`webfarm configs --local-paths` refuses a deeper OUT).
    const dir = tempDir('wlb-');
    const out = path.join(dir, 'o');
    const tag = `wc${process.pid % 100000}`;
    let lb: Netns;
    let back: Netns;
    let cliOutput = '';

    beforeAll(() => {
      const app = new App({ outdir: path.join(dir, 'cdktf.out') });
      for (const name of STACKS) {
        const entry = EXAMPLE_STACKS.find((s) => s.name === name);
        if (!entry) throw new Error(`${name} is not registered in stacks/index.ts`);
        entry.build(app, name);
      }
      app.synth();
      cliOutput = run(process.execPath, [
        path.join(ROOT, 'bin/webfarm.js'),
        'configs',
        path.join(dir, 'cdktf.out'),
        '--out',
        out,
        '--local-paths',
      ]);
      // `--local-paths` copies this machine's module loaders (modules-enabled/*.conf, the stream
      // module) next to the configuration, as the nginx package puts them on a host.
      for (const [stack, hosts] of Object.entries(BALANCERS)) {
        for (const host of hosts) {
          const modules = path.join(out, stack, host, 'etc/nginx/modules-enabled');
          if (fs.existsSync(modules) && fs.existsSync(MACHINE_MODULES)) {
            expect(fs.readdirSync(modules).sort()).toEqual(fs.readdirSync(MACHINE_MODULES).sort());
          }
        }
      }
      // The operator's certificate (a sensitive variable, a placeholder in the written files):
      // a self-signed one, as HAProxy's check needs a real PEM where `crt` points.
      for (const host of BALANCERS['nsboot-haproxy-tls']) {
        const certs = path.join(out, 'nsboot-haproxy-tls', host, 'etc/haproxy/certs');
        fs.mkdirSync(certs, { recursive: true });
        writeSelfSignedCertificate(path.join(certs, 'site.crt'), path.join(certs, 'site.key'));
        fs.writeFileSync(
          path.join(certs, 'site.pem'),
          fs.readFileSync(path.join(certs, 'site.crt'), 'utf8') +
            fs.readFileSync(path.join(certs, 'site.key'), 'utf8'),
        );
      }
      // The balancer's namespace reaches the workers' addresses through the workers' namespace.
      lb = new Netns(`${tag}l`);
      back = new Netns(`${tag}b`);
      veth(lb, 'l0', back, 'b0');
      lb.ip('addr', 'add', '198.51.100.1/24', 'dev', 'l0');
      back.ip('addr', 'add', '198.51.100.2/24', 'dev', 'b0');
      lb.ip('link', 'set', 'l0', 'up');
      back.ip('link', 'set', 'b0', 'up');
      lb.ip('route', 'add', '192.0.2.0/24', 'via', '198.51.100.2');
      // keepalived -t looks the VRRP interface up: give the balancer namespace one named ens3.
      veth(lb, 'ens3', back, 'b1');
    }, 60000);

    afterAll(async () => {
      await Promise.all([lb, back].filter(Boolean).map((ns) => ns.destroy()));
      fs.rmSync(dir, { recursive: true, force: true });
    });

    function manifest(stack: string, host: string): { files: ManifestEntry[] } {
      return JSON.parse(fs.readFileSync(path.join(out, stack, host, 'webfarm-manifest.json'), 'utf8')) as {
        files: ManifestEntry[];
      };
    }

    /** The `address:port` of every server line of the host's balancer configuration. */
    function backendsOf(stack: string, host: string): string[] {
      const hostDir = path.join(out, stack, host);
      const texts = manifest(stack, host)
        .files.filter((f) => /\/(nginx|haproxy)\//.test(f.path))
        .map((f) => fs.readFileSync(path.join(hostDir, f.path), 'utf8'));
      const found = texts.flatMap((t) => [
        ...t.matchAll(/^\s*server (?:[\w.-]+ )?(\d+\.\d+\.\d+\.\d+:\d+)/gm),
      ]);
      return [...new Set(found.map((m) => m[1]))].filter((a) => !a.startsWith('127.'));
    }

    /** Starts responders on `addresses` in the workers' namespace; resolves when they listen. */
    async function startBackends(addresses: string[]): Promise<ChildProcess> {
      for (const ip of new Set(addresses.map((a) => a.split(':')[0]))) {
        if (!back.addresses('lo').includes(ip)) back.ip('addr', 'add', `${ip}/32`, 'dev', 'lo');
      }
      const child = back.spawn(
        'python3',
        [path.join(__dirname, 'http-responder.py'), ...addresses.flatMap((a) => ['--listen', a])],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      await new Promise<void>((resolve, reject) => {
        child.stdout?.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`responder exited with ${code}`)));
      });
      return child;
    }

    /** Sends requests from the balancer's namespace. */
    function probe(requests: Array<{ url: string; headers?: Record<string, string> }>): Probe[] {
      return JSON.parse(
        lb.exec('python3', [path.join(__dirname, 'http-probe.py')], { input: JSON.stringify(requests) }),
      ) as Probe[];
    }

    /** Runs the balancer of `host` in the balancer namespace until `body` is done. */
    async function withBalancer(stack: string, host: string, body: (backends: string[]) => Promise<void>) {
      const hostDir = path.join(out, stack, host);
      const nginx = fs.existsSync(path.join(hostDir, 'etc/nginx/nginx.conf'));
      const config = path.join(hostDir, nginx ? 'etc/nginx/nginx.conf' : 'etc/haproxy/haproxy.cfg');
      const pidFile = path.join(hostDir, 'run', nginx ? 'nginx.pid' : 'haproxy.pid');
      fs.mkdirSync(path.join(hostDir, 'run/haproxy'), { recursive: true });
      const backends = backendsOf(stack, host);
      const responder = await startBackends(backends);
      try {
        if (nginx) lb.exec('nginx', ['-c', config]);
        else lb.exec('haproxy', ['-f', config, '-D', '-p', pidFile]);
        // Both daemonize once their ports are bound.
        expect(await waitFor(() => fs.existsSync(pidFile), 5000)).toBe(true);
        await body(backends);
      } finally {
        const pid = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : '');
        if (pid > 1) process.kill(pid, 'SIGTERM');
        await waitFor(() => lb.try('pgrep', ['-F', pidFile]).status !== 0, 5000);
        await stop(responder);
      }
    }

    it('GIVEN the synthesized examples THEN webfarm configs writes every balancer host', () => {
      for (const [stack, hosts] of Object.entries(BALANCERS)) {
        for (const host of hosts) expect(cliOutput).toMatch(new RegExp(`${stack}\\s+${host}\\s`));
      }
    });

    it('THEN every balancer file with a check passes it: nginx -t, haproxy -c, keepalived -t, cloud-init schema', () => {
      const checked: string[] = [];
      const failures: string[] = [];
      for (const [stack, hosts] of Object.entries(BALANCERS)) {
        for (const host of hosts) {
          for (const file of manifest(stack, host).files) {
            if (!file.localCheck) continue;
            // A run-time pool's check is a shell line (`mkdir -p … && haproxy -c …`).
            const cmd = file.localCheck.split('&&').pop()?.trim().split(' ')[0] ?? '';
            const result = lb.try('sh', ['-c', file.localCheck]);
            checked.push(`${host}: ${cmd}`);
            if (result.status !== 0)
              failures.push(`${host} ${file.path}: ${file.localCheck}\n${result.output}`);
          }
        }
      }
      expect(failures).toEqual([]);
      for (const cmd of ['nginx', 'haproxy', 'keepalived', 'cloud-init']) {
        expect(checked.some((c) => c.endsWith(`: ${cmd}`))).toBe(true);
      }
    });

    it('visa-nginx: round robin alternates between the two app hosts', async () => {
      await withBalancer('visa-nginx', 'visa-lb', async (backends) => {
        expect(backends).toHaveLength(2);
        const bodies = probe(Array.from({ length: 6 }, () => ({ url: 'http://127.0.0.1:80/' }))).map(
          (r) => r.body,
        );
        expect(bodies.filter((b) => b === backends[0])).toHaveLength(3);
        expect(bodies.filter((b) => b === backends[1])).toHaveLength(3);
        expect(bodies[0]).not.toBe(bodies[1]);
      });
    });

    it('visa: round robin alternates between the two app hosts on 8080', async () => {
      await withBalancer('visa', 'visa-lb', async (backends) => {
        expect(backends).toHaveLength(2);
        expect(backends.every((b) => b.endsWith(':8080'))).toBe(true);
        const bodies = probe(Array.from({ length: 4 }, () => ({ url: 'http://127.0.0.1:80/' }))).map(
          (r) => r.body,
        );
        expect(bodies.filter((b) => b === backends[0])).toHaveLength(2);
        expect(bodies.filter((b) => b === backends[1])).toHaveLength(2);
      });
    });

    it('pavics-nginx: each port reaches its own pool, and the same machineid always the same server', async () => {
      await withBalancer('pavics-nginx', 'pavics-proxy', async (backends) => {
        expect(backends).toHaveLength(9);
        for (const port of [8093, 8091, 8094]) {
          const url = `http://127.0.0.1:${port}/`;
          const same = probe(
            Array.from({ length: 5 }, () => ({ url, headers: { machineid: 'machine-42' } })),
          );
          expect(new Set(same.map((r) => r.body)).size).toBe(1);
          const spread = probe(
            Array.from({ length: 30 }, (_, i) => ({ url, headers: { machineid: `m-${i}` } })),
          );
          const servers = new Set(spread.map((r) => r.body));
          expect(servers.size).toBeGreaterThanOrEqual(2);
          for (const server of servers) expect(server).toMatch(new RegExp(`^192\\.0\\.2\\.\\d+:${port}$`));
        }
      });
    });

    it('nsboot-haproxy: leastconn spreads, websocket upgrades go to the balance-source backend, /api/ to nsboot', async () => {
      await withBalancer('nsboot-haproxy', 'nsboot-lb-1', async (backends) => {
        expect(backends).toHaveLength(3);
        const stot = (backend: string): number => {
          const [csv] = probe([{ url: 'http://127.0.0.1:8404/stats;csv' }]);
          const row = csv.body.split('\n').find((l) => l.startsWith(`${backend},BACKEND,`));
          return Number(row?.split(',')[7] ?? NaN);
        };
        const spread = probe(Array.from({ length: 6 }, () => ({ url: 'http://127.0.0.1:80/' })));
        expect(spread.every((r) => r.status === 200)).toBe(true);
        expect(new Set(spread.map((r) => r.body)).size).toBeGreaterThanOrEqual(2);

        const [wsBefore, nsbootBefore] = [stot('websocket'), stot('nsboot')];
        const upgrade = { Upgrade: 'websocket', Connection: 'Upgrade' };
        const ws = probe(
          Array.from({ length: 4 }, () => ({ url: 'http://127.0.0.1:80/ws', headers: upgrade })),
        );
        expect(new Set(ws.map((r) => r.body)).size).toBe(1);
        expect(stot('websocket') - wsBefore).toBe(4);
        const api = probe(Array.from({ length: 3 }, () => ({ url: 'http://127.0.0.1:80/api/system/info' })));
        expect(api.every((r) => r.status === 200)).toBe(true);
        expect(stot('nsboot') - nsbootBefore).toBe(3);
        expect(stot('websocket') - wsBefore).toBe(4);
      });
    });

    it('balancer-ha: each nginx of the pair routes to the web pool on 8080', async () => {
      for (const host of BALANCERS['balancer-ha']) {
        await withBalancer('balancer-ha', host, async (backends) => {
          const bodies = probe(Array.from({ length: 4 }, () => ({ url: 'http://127.0.0.1:80/' }))).map(
            (r) => r.body,
          );
          expect(new Set(bodies)).toEqual(new Set(backends));
        });
      }
    });
  },
);
