import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack } from '../../lib/core/cdk';
import { HaproxyBalancer } from '../../lib/openstack/haproxy-balancer';
import { Network } from '../../lib/openstack/network';
import { NginxBalancer } from '../../lib/openstack/nginx-balancer';
import { StackJson, resourcesOf } from '../support/synth';
import { portOpen } from '../support/backends';
import { describeWithTools, run, tempDir } from '../support/tools';
import { SUBNET, baseProps, manifestOf, synthWithManifests } from './balancer-fixture';
import { Backends, LoopbackSshd, freePort, get, waitForPort } from './loopback';

/**
 * The in-place delivery proven for real with the balancers' own output: the `terraform_data`
 * that NginxBalancer / HaproxyBalancer synthesize (its file uploads and install script) is
 * applied by the real terraform over SSH to a loopback sshd, with the host paths re-rooted into
 * a temporary folder and systemd's reload replaced by the daemon's own. Only built-in Terraform
 * (terraform_data, provisioners) is involved.
 */

type Kind = 'nginx' | 'haproxy';

/** The listener and backend ports of one run. */
interface Ports {
  readonly web: number;
  readonly api: number;
  readonly tls: number;
  readonly status: number;
  readonly a: number;
  readonly b: number;
}

/**
 * Step 1: pool web (backend a) behind listener http. Step 2: + pool api (backend b) behind
 * listener api. Step 3: + a TLS listener whose certificate is not on the host (the check must
 * reject it). Step 4: pool and listener api removed.
 */
function balancerStack(kind: Kind, step: number, p: Ports): StackJson {
  return synthWithManifests((app: App) => {
    const stack = new TerraformStack(app, 'push');
    const network = new Network(stack, 'Network', { cidr: SUBNET });
    const props = baseProps(network);
    const lb =
      kind === 'nginx'
        ? new NginxBalancer(stack, 'Balancer', props)
        : new HaproxyBalancer(stack, 'Balancer', props);
    const web = lb.addPool('web', { port: p.a });
    web.addNodes([`127.0.0.1:${p.a}`]);
    lb.addListener('http', { port: p.web, defaultPool: web });
    if (step === 2 || step === 3) {
      const api = lb.addPool('api', { port: p.b });
      api.addNodes([`127.0.0.1:${p.b}`]);
      lb.addListener('api', { port: p.api, defaultPool: api });
    }
    if (step === 3) {
      const certificatePath = '/etc/ssl/webfarm/site.pem';
      lb.addListener('secure', {
        port: p.tls,
        defaultPool: web,
        tls: { certificate: { kind: 'files', certificatePath, keyPath: `${certificatePath}.key` } },
      });
    }
    return stack;
  });
}

/** Host paths each daemon's files use, re-rooted under the test folder. */
const HOST_PATHS: Record<Kind, string[]> = {
  nginx: [
    '/etc/nginx/nginx.conf',
    '/etc/nginx/webfarm/',
    '/var/log/nginx',
    '/var/lib/nginx',
    '/run/nginx.pid',
    '/var/tmp/webfarm-',
    '/etc/ssl/',
  ],
  haproxy: ['/etc/haproxy/', '/var/lib/haproxy', '/run/haproxy', '/var/tmp/webfarm-', '/etc/ssl/'],
};

function reroot(kind: Kind, text: string, root: string): string {
  const prefixes = HOST_PATHS[kind].map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return text.replace(new RegExp(`(?<![\\w.-])(${prefixes.join('|')})`, 'g'), `${root}$1`);
}

describeWithTools(
  ['terraform', 'sshd', 'ssh-keygen', 'scp', 'nginx', 'haproxy'],
  'Balancer delivery for real: the synthesized push, terraform → loopback sshd → nginx / HAProxy',
  () => {
    const dir = tempDir('webfarm-lb-delivery-');
    const sshd = new LoopbackSshd(dir);
    const backends = new Backends();
    const env = {
      ...process.env,
      TF_CLI_CONFIG_FILE: '/dev/null',
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
    };
    const pidFiles: string[] = [];

    beforeAll(async () => {
      await backends.start('backend-a', 'backend-b');
      await sshd.start();
    }, 30000);

    afterAll(async () => {
      for (const pidFile of pidFiles) {
        const pid = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : '');
        if (Number.isInteger(pid) && pid > 1) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // already gone
          }
        }
      }
      await sshd.stop();
      await backends.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    /** One balancer kind: its root folder, Terraform work folder and the steps' pushes. */
    function suite(kind: Kind): void {
      const root = path.join(dir, kind);
      const work = path.join(dir, `${kind}-work`);
      const pidFile = path.join(root, 'run', `${kind}.pid`);
      const config = kind === 'nginx' ? `${root}/etc/nginx/nginx.conf` : `${root}/etc/haproxy/haproxy.cfg`;
      const localReload =
        kind === 'nginx'
          ? `if [ -s ${pidFile} ]; then nginx -c ${config} -s reload; else nginx -c ${config}; fi`
          : `if [ -s ${pidFile} ]; then haproxy -f ${config} -p ${pidFile} -D -sf $(cat ${pidFile}); else haproxy -f ${config} -p ${pidFile} -D; fi`;
      let ports: Ports;

      beforeAll(async () => {
        ports = {
          web: await freePort(),
          api: await freePort(),
          tls: await freePort(),
          status: await freePort(),
          a: backends.port('backend-a'),
          b: backends.port('backend-b'),
        };
        pidFiles.push(pidFile);
        for (const d of [
          'run',
          'var/tmp',
          'var/log/nginx',
          'var/lib/nginx',
          'var/lib/haproxy',
          'run/haproxy',
          'etc/haproxy',
        ]) {
          fs.mkdirSync(path.join(root, d), { recursive: true });
        }
        fs.mkdirSync(work, { recursive: true });
        if (kind === 'nginx') {
          // What cloud-init writes at first boot: the base nginx.conf from the host's manifest.
          const json = balancerStack(kind, 1, ports);
          const [instance] = Object.entries(resourcesOf(json, 'openstack_compute_instance_v2'))
            .filter(([n]) => n.startsWith('Balancer_'))
            .map(([, body]) => manifestOf(body));
          const base = instance.files.find((f) => f.path === '/etc/nginx/nginx.conf');
          if (!base) throw new Error('no base nginx.conf in the cloud-init manifest');
          fs.mkdirSync(path.dirname(config), { recursive: true });
          fs.writeFileSync(
            config,
            reroot(kind, base.content, root).replace('127.0.0.1:8081', `127.0.0.1:${ports.status}`),
          );
        }
      });

      /** Synthesizes `step`, re-roots its push and applies it with terraform. */
      function push(step: number): { ok: boolean; output: string } {
        const json = balancerStack(kind, step, ports);
        const [[, data]] = Object.entries(resourcesOf(json, 'terraform_data')).filter(([n]) =>
          n.startsWith('Balancer_Hosts_Delivery_'),
        );
        const body = JSON.parse(
          reroot(kind, JSON.stringify(data), root)
            .split(`systemctl reload-or-restart ${kind}`)
            .join(localReload)
            .split('bind 127.0.0.1:8404')
            .join(`bind 127.0.0.1:${ports.status}`)
            // This loopback "host" has no first boot to wait for (cloud-init is installed, never ran).
            .split('cloud-init status --wait')
            .join('true'),
        ) as Record<string, unknown>;
        delete body.depends_on;
        // The push is tied to its instance; this loopback "host" is the same one at every step.
        const triggers = body.triggers_replace as Record<string, unknown>;
        expect(triggers.instance_id).toMatch(
          /^\$\{openstack_compute_instance_v2\.Balancer_Hosts_Host_\w+\.id\}$/,
        );
        body.triggers_replace = { ...triggers, instance_id: 'loopback', instance_image: 'loopback' };
        body.connection = {
          type: 'ssh',
          host: '127.0.0.1',
          port: sshd.port,
          user: 'root',
          private_key: `\${file("${sshd.keyFile}")}`,
        };
        const stack = {
          terraform: { backend: { local: { path: path.join(work, 'terraform.tfstate') } } },
          resource: { terraform_data: { push: body } },
        };
        fs.writeFileSync(path.join(work, 'main.tf.json'), JSON.stringify(stack, null, 2));
        if (!fs.existsSync(path.join(work, '.terraform'))) {
          run('terraform', ['init', '-input=false', '-no-color'], { cwd: work, env });
        }
        try {
          const output = execFileSync('terraform', ['apply', '-auto-approve', '-input=false', '-no-color'], {
            cwd: work,
            env,
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
            timeout: 60000,
          });
          return { ok: true, output };
        } catch (err) {
          const e = err as { stdout?: string; stderr?: string };
          return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
        }
      }

      /** Every file under the configuration folder with its content. */
      function installed(): Record<string, string> {
        const base = kind === 'nginx' ? path.join(root, 'etc/nginx/webfarm') : path.join(root, 'etc/haproxy');
        const files: Record<string, string> = {};
        const walk = (d: string) => {
          for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, entry.name);
            if (entry.isDirectory()) walk(p);
            else files[path.relative(base, p)] = fs.readFileSync(p, 'utf8');
          }
        };
        if (fs.existsSync(base)) walk(base);
        return files;
      }

      it(`GIVEN the first push of the ${kind} balancer THEN it installs, checks and serves pool web`, async () => {
        const result = push(1);
        expect(result.output).toContain(`webfarm: '${kind}' configuration installed and reloaded`);
        expect(result.ok).toBe(true);
        await waitForPort(ports.web);
        expect((await get(ports.web)).body).toBe('backend-a');
      });

      it('WHEN a pool and a listener are added THEN the push serves the new pool, the old one still served', async () => {
        const result = push(2);
        expect(result.ok).toBe(true);
        await waitForPort(ports.api);
        expect((await get(ports.api)).body).toBe('backend-b');
        expect((await get(ports.web)).body).toBe('backend-a');
        if (kind === 'nginx') {
          expect(Object.keys(installed()).sort()).toEqual([
            'listeners/api.conf',
            'listeners/http.conf',
            'pools/api.conf',
            'pools/web.conf',
          ]);
        }
      });

      it('WHEN the new configuration fails the check THEN the push fails and the previous files keep serving', async () => {
        const before = installed();
        const result = push(3);
        expect(result.ok).toBe(false);
        expect(result.output).toContain(`the check rejected the new '${kind}' configuration`);
        expect(installed()).toEqual(before);
        // The daemon never stopped (every GET is answered by it); on a loaded machine the first
        // answers can be 503 while this process, which is also the backends, was blocked in the
        // push, so each pool gets a few seconds to answer from its backend.
        for (const [port, backend] of [
          [ports.web, 'backend-a'],
          [ports.api, 'backend-b'],
        ] as const) {
          const deadline = Date.now() + 10_000;
          let last = await get(port);
          while (last.body !== backend && last.status === 503 && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 200));
            last = await get(port);
          }
          expect(last.body).toBe(backend);
        }
      });

      if (kind === 'nginx') {
        it('WHEN a pool and its listener are removed THEN their files disappear and the port closes', async () => {
          const result = push(4);
          expect(result.ok).toBe(true);
          expect(Object.keys(installed()).sort()).toEqual(['listeners/http.conf', 'pools/web.conf']);
          expect((await get(ports.web)).body).toBe('backend-a');
          // A reload closes the removed listener's socket once the new workers run: give it 10 s.
          const deadline = Date.now() + 10_000;
          while (Date.now() < deadline && (await portOpen(ports.api))) {
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
          await expect(get(ports.api)).rejects.toThrow(/ECONNREFUSED/);
        });
      }
    }

    describe('nginx', () => suite('nginx'));
    describe('HAProxy', () => suite('haproxy'));
  },
);
