import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack } from '../../lib/core/cdk';
import { Network } from '../../lib/openstack/network';
import { NginxBalancer } from '../../lib/openstack/nginx-balancer';
import { balancerFromStack } from '../../lib/runtime';
import { SUBNET, baseProps, manifestOf, synthWithManifests } from '../e2e/balancer-fixture';
import { Backends, LoopbackSshd, freePort, get, waitForPort } from '../e2e/loopback';
import { StackJson, resourcesOf, writeStack } from '../support/synth';
import { describeWithTools, run, tempDir } from '../support/tools';

/**
 * Terraform and run time do not fight. The push that NginxBalancer synthesizes (its
 * terraform_data, applied by the real terraform over a loopback sshd, host paths re-rooted)
 * creates the run-time pool; `webfarm nodes` (found through the synthesized stack's manifest)
 * adds a node to it; the next push, which changes Terraform's pool and the run-time pool's
 * initial nodes, leaves the run-time pool exactly as the run-time client left it.
 */

const PREFIXES = [
  '/etc/nginx/nginx.conf',
  '/etc/nginx/webfarm/',
  '/var/log/nginx',
  '/var/lib/nginx',
  '/run/nginx.pid',
  '/var/tmp/webfarm-',
  '/run/lock/webfarm',
];

function reroot(text: string, root: string): string {
  const escaped = PREFIXES.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return text.replace(new RegExp(`(?<![\\w.-])(${escaped.join('|')})`, 'g'), `${root}$1`);
}

describeWithTools(
  ['terraform', 'sshd', 'ssh', 'ssh-keygen', 'nginx', 'python3', 'flock'],
  'A push after run-time changes (terraform → loopback sshd → nginx)',
  () => {
    const dir = tempDir('webfarm-rt-push-');
    const root = path.join(dir, 'root');
    const work = path.join(dir, 'work');
    const sshd = new LoopbackSshd(dir);
    const backends = new Backends();
    const config = `${root}/etc/nginx/nginx.conf`;
    const pidFile = `${root}/run/nginx.pid`;
    const localReload = `if [ -s ${pidFile} ]; then nginx -c ${config} -s reload; else nginx -c ${config}; fi`;
    const env = {
      ...process.env,
      TF_CLI_CONFIG_FILE: '/dev/null',
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
    };
    let port: number;

    /** Step 1: run-time pool web (initial node a), Terraform pool api (node a). Step 2: api gets b too, web's initial nodes change. */
    function stack(step: number): StackJson {
      return synthWithManifests((app: App) => {
        const s = new TerraformStack(app, 'push');
        const lb = new NginxBalancer(s, 'Balancer', baseProps(new Network(s, 'Network', { cidr: SUBNET })));
        const web = lb.addPool('web', { port: 8080, runtimeManaged: true });
        web.addNodes([`127.0.0.1:${backends.port(step === 1 ? 'a' : 'c')}`]);
        const api = lb.addPool('api', { port: 8080 });
        api.addNodes([
          `127.0.0.1:${backends.port('a')}`,
          ...(step === 2 ? [`127.0.0.1:${backends.port('b')}`] : []),
        ]);
        lb.addListener('http', { port, defaultPool: web });
        return s;
      });
    }

    function rerooted(json: StackJson): StackJson {
      return JSON.parse(
        reroot(JSON.stringify(json), root)
          .split('systemctl reload-or-restart nginx')
          .join(localReload)
          .split('systemctl reload nginx')
          .join(`nginx -c ${config} -s reload`)
          .split('cloud-init status --wait')
          .join('true'),
      ) as StackJson;
    }

    function push(step: number): string {
      const json = rerooted(stack(step));
      const [[, data]] = Object.entries(resourcesOf(json, 'terraform_data')).filter(([n]) =>
        n.startsWith('Balancer_Hosts_Delivery_'),
      );
      const body = { ...data } as Record<string, unknown>;
      delete body.depends_on;
      // The push is tied to its instance; this loopback "host" is the same one at every step.
      const triggers = body.triggers_replace as Record<string, unknown>;
      body.triggers_replace = { ...triggers, instance_id: 'loopback', instance_image: 'loopback' };
      body.connection = {
        type: 'ssh',
        host: '127.0.0.1',
        port: sshd.port,
        user: 'root',
        private_key: `\${file("${sshd.keyFile}")}`,
      };
      fs.writeFileSync(
        path.join(work, 'main.tf.json'),
        JSON.stringify({
          terraform: { backend: { local: { path: path.join(work, 'terraform.tfstate') } } },
          resource: { terraform_data: { push: body } },
        }),
      );
      if (!fs.existsSync(path.join(work, '.terraform')))
        run('terraform', ['init', '-input=false', '-no-color'], { cwd: work, env });
      try {
        return execFileSync('terraform', ['apply', '-auto-approve', '-input=false', '-no-color'], {
          cwd: work,
          env,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: 90000,
        });
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string };
        // terraform's own lines (remote-exec output included), without the echoed configuration
        throw new Error(
          `terraform apply failed:\n${`${e.stdout ?? ''}${e.stderr ?? ''}`
            .split('\n')
            .filter((l) => l.length < 400)
            .join('\n')}`,
        );
      }
    }

    const poolFile = (name: string) => path.join(root, 'etc/nginx/webfarm/pools', `${name}.conf`);

    beforeAll(async () => {
      await backends.start('a', 'b', 'c');
      await sshd.start();
      port = await freePort();
      for (const d of ['run', 'var/log/nginx', 'var/lib/nginx', 'var/tmp', 'etc/nginx'])
        fs.mkdirSync(path.join(root, d), { recursive: true });
      fs.mkdirSync(work, { recursive: true });
      // What cloud-init writes at first boot: the base nginx.conf from the host's manifest.
      const [instance] = Object.entries(resourcesOf(stack(1), 'openstack_compute_instance_v2'))
        .filter(([n]) => n.startsWith('Balancer_'))
        .map(([, body]) => manifestOf(body));
      const base = instance.files.find((f) => f.path === '/etc/nginx/nginx.conf');
      fs.writeFileSync(
        config,
        reroot(base?.content ?? '', root).replace('127.0.0.1:8081', `127.0.0.1:${await freePort()}`),
      );
    }, 30000);

    afterAll(async () => {
      try {
        process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGTERM');
      } catch {
        // not started
      }
      await sshd.stop();
      await backends.close();
    });

    it('GIVEN the first push THEN the run-time pool exists with its initial node, and the push took the shared lock', async () => {
      const output = push(1);
      expect(output).toContain("webfarm: 'nginx' configuration installed and reloaded");
      await waitForPort(port);
      expect((await get(port)).body).toBe('a');
      expect(fs.readFileSync(poolFile('web'), 'utf8')).toContain(
        '# webfarm:server-options max_fails=3 fail_timeout=30s',
      );
      expect(fs.existsSync(path.join(root, 'run/lock/webfarm/nginx.lock'))).toBe(true);
    }, 120000);

    it('WHEN webfarm nodes changes the run-time pool AND the next push changes the stack THEN the run-time pool is as the run-time client left it', async () => {
      // WHEN the run-time client, found from the synthesized stack, adds node b to web
      const out = writeStack(rerooted(stack(1)), 'push', path.join(dir, 'cdktf.out'));
      const lb = balancerFromStack({
        dir: out,
        stack: 'push',
        balancer: 'Balancer',
        addresses: { lb: '127.0.0.1' },
        ssh: {
          user: 'root',
          port: sshd.port,
          identityFile: sshd.keyFile,
          knownHostsFile: path.join(dir, 'known_hosts'),
        },
      });
      await lb.addNodes('web', [`127.0.0.1:${backends.port('b')}`]);
      // AND Terraform's pool is refused to it
      await expect(lb.addNodes('api', ['10.0.0.1:80'])).rejects.toThrow(/pool 'api' is Terraform's/);
      const runtimeFile = fs.readFileSync(poolFile('web'), 'utf8');
      // AND a push changes api and web's initial nodes
      push(2);
      // THEN web is unchanged, api is the stack's
      expect(fs.readFileSync(poolFile('web'), 'utf8')).toBe(runtimeFile);
      expect(fs.readFileSync(poolFile('api'), 'utf8')).toContain(`127.0.0.1:${backends.port('b')}`);
      expect((await lb.getNodes('web')).sort()).toEqual(
        [`127.0.0.1:${backends.port('a')}`, `127.0.0.1:${backends.port('b')}`].sort(),
      );
      const seen = new Set<string>();
      for (let i = 0; i < 20 && seen.size < 2; i += 1) seen.add((await get(port)).body);
      expect([...seen].sort()).toEqual(['a', 'b']);
    }, 180000);
  },
);
