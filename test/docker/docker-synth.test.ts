import * as fs from 'fs';
import * as path from 'path';
import { TerraformStack, Testing } from '../../lib/core/cdk';
import { Algorithm, Stickiness } from '../../lib/core';
import {
  ContainerGroup,
  DockerHaproxyBalancer,
  DockerNetwork,
  DockerNginxBalancer,
  DockerRedis,
  DockerVolume,
} from '../../lib/docker';
import { VisaDockerStack } from '../../examples/visa-docker';
import { PavicsDockerStack } from '../../examples/pavics-docker';
import { expectRejected } from '../support/assert';
import { StackJson, resourcesOf, synthStack } from '../support/synth';
import { ROOT } from '../support/tools';

type Upload = { file: string; content: string; permissions: string };
type Ports = { internal: number; external: number; ip: string; protocol: string };

function containers(json: StackJson) {
  return Object.values(resourcesOf(json, 'docker_container')) as Array<Record<string, unknown>>;
}
function byName(json: StackJson, name: string): Record<string, unknown> {
  const found = containers(json).find((c) => c.name === name);
  if (!found)
    throw new Error(
      `no container ${name}: ${containers(json)
        .map((c) => c.name)
        .join(', ')}`,
    );
  return found;
}
const uploads = (c: Record<string, unknown>) => c.upload as Upload[];

describe('the Docker laptop twin (synth)', () => {
  const visa = synthStack((app) => new VisaDockerStack(app, 'visa-docker'));
  const pavics = synthStack((app) => new PavicsDockerStack(app, 'pavics-docker'));

  it('puts every container on the one stack network, and only the balancer publishes ports, on 127.0.0.1', () => {
    // GIVEN the VISA twin
    const networks = Object.values(resourcesOf(visa, 'docker_network'));
    expect(networks.map((n) => n.name)).toEqual(['visa-docker-network']);
    // THEN all four containers join it by its name reference, and only the balancer has ports
    const all = containers(visa);
    expect(all.map((c) => c.name).sort()).toEqual([
      'visa-docker-balancer',
      'visa-docker-redis',
      'visa-docker-visa-1',
      'visa-docker-visa-2',
    ]);
    for (const c of all) {
      expect(c.networks_advanced).toEqual([
        expect.objectContaining({ name: '${docker_network.Network_1C6012B5.name}' }),
      ]);
      expect(c.must_run).toBe(true);
      expect(c.restart).toBe('unless-stopped');
    }
    const published = all.filter((c) => c.ports !== undefined);
    expect(published.map((c) => c.name)).toEqual(['visa-docker-balancer']);
    expect(byName(visa, 'visa-docker-balancer').ports).toEqual([
      { internal: 80, external: 8080, ip: '127.0.0.1', protocol: 'tcp' },
    ]);
  });

  it('publishes each PAVICS service port on 127.0.0.1 with its own number', () => {
    expect(byName(pavics, 'pavics-docker-proxy').ports as Ports[]).toEqual(
      [8093, 8091, 8094].map((p) => ({ internal: p, external: p, ip: '127.0.0.1', protocol: 'tcp' })),
    );
  });

  it('publishes on another address only when asked', () => {
    const json = synthStack((app) => {
      const stack = new TerraformStack(app, 'lan');
      const network = new DockerNetwork(stack, 'Net');
      const lb = new DockerHaproxyBalancer(stack, 'Lb', {
        network,
        publishAddress: '0.0.0.0',
        hostPorts: { web: 9000 },
      });
      lb.addListener('web', { port: 80, defaultPool: lb.addPool('app', { port: 8080 }) });
      return stack;
    });
    expect(byName(json, 'lan-lb').ports).toEqual([
      { internal: 80, external: 9000, ip: '0.0.0.0', protocol: 'tcp' },
    ]);
  });

  it('uploads the nginx files for the official image: nginx.conf (user nginx, no load_module) and one file per pool and listener', () => {
    const lb = uploads(byName(visa, 'visa-docker-balancer'));
    expect(lb.map((u) => u.file)).toEqual([
      '/etc/nginx/nginx.conf',
      '/etc/nginx/webfarm/pools/visa.conf',
      '/etc/nginx/webfarm/listeners/http.conf',
    ]);
    const main = lb[0].content;
    expect(main).toMatch(/^user nginx;$/m);
    expect(main).not.toMatch(/load_module|modules-enabled/);
    expect(main).toMatch(/^pid \/run\/nginx.pid;$/m);
    expect(main).toContain('client_body_temp_path /var/cache/nginx/body;');
    // Each node is the container's address on the stack network (a reference), on port 8080.
    expect(lb[1].content).toMatch(
      /server \$\{docker_container\.Visa_Workers_Node-visa-1_[0-9A-F]+\.network_data\[0\]\.ip_address\}:8080/,
    );
    expect(lb[1].content).toMatch(
      /server \$\{docker_container\.Visa_Workers_Node-visa-2_[0-9A-F]+\.network_data\[0\]\.ip_address\}:8080/,
    );
    // Terraform escaping: nginx's literal `$` variables reach Terraform as text.
    expect(main).toContain('map $http_upgrade $connection_upgrade');
  });

  it('uploads haproxy.cfg for the official image: /usr/local/etc/haproxy, no chroot, logs to stdout', () => {
    const json = synthStack((app) => {
      const stack = new TerraformStack(app, 'hap');
      const network = new DockerNetwork(stack, 'Net');
      const app1 = new ContainerGroup(stack, 'App', { network, image: 'python:3.12-slim', count: 2 });
      const lb = new DockerHaproxyBalancer(stack, 'Lb', { network });
      const pool = lb.addPool('app', { port: 8080, stickiness: Stickiness.insertCookie() });
      pool.addTarget(app1);
      lb.addListener('web', { port: 80, defaultPool: pool });
      return stack;
    });
    const [cfg] = uploads(byName(json, 'hap-lb'));
    expect(cfg.file).toBe('/usr/local/etc/haproxy/haproxy.cfg');
    expect(cfg.content).toMatch(/^\s+log stdout local0$/m);
    expect(cfg.content).not.toMatch(/chroot/);
    expect(cfg.content).toContain('stats socket /var/lib/haproxy/admin.sock');
    expect(cfg.content).toMatch(/cookie \S+ insert/);
  });

  it('gives every app container the group env, the Redis env and its role: exactly one primary', () => {
    const env = (name: string) => byName(visa, name).env as string[];
    const [one, two] = [env('visa-docker-visa-1'), env('visa-docker-visa-2')];
    for (const e of [one, two]) {
      expect(e).toContain(
        'VISA_VDI_REDIS_URL=redis://${docker_container.Visa_Redis_D6D69D56.network_data[0].ip_address}:6379',
      );
      expect(e).toContain('VISA_VDI_REDIS_PASSWORD=${random_password.Visa_Redis_Password_CA8ED649.result}');
      expect(e).toContain('VISA_VDI_REDIS_DATABASE=0');
    }
    expect(one).toEqual(
      expect.arrayContaining(['VISA_SCHEDULER_ENABLED=true', 'VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP=true']),
    );
    expect(two).toEqual(
      expect.arrayContaining(['VISA_SCHEDULER_ENABLED=false', 'VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP=false']),
    );
  });

  it('runs Redis with the generated password, requirepass, a named volume and no published port', () => {
    const redis = byName(visa, 'visa-docker-redis');
    expect(redis.ports).toBeUndefined();
    expect(redis.command).toEqual(['redis-server', '/usr/local/etc/redis/redis.conf']);
    const [conf] = uploads(redis);
    expect(conf.content).toContain('requirepass "${random_password.Visa_Redis_Password_CA8ED649.result}"');
    expect(conf.content).toMatch(/^bind \* -::\*$/m);
    expect(conf.content).toMatch(/^protected-mode yes$/m);
    expect(redis.volumes).toEqual([
      { volume_name: '${docker_volume.Visa_Redis_Data_11A05210.name}', container_path: '/data' },
    ]);
    expect(Object.values(resourcesOf(visa, 'docker_volume'))).toEqual([
      expect.objectContaining({ name: 'visa-docker-redis-data', lifecycle: { prevent_destroy: false } }),
    ]);
    expect(Object.values(visa.output ?? {}).filter((o) => o.sensitive === true)).toHaveLength(1);
  });

  it('keeps images in the engine on destroy and pins the official tags by default', () => {
    const images = Object.values(resourcesOf(visa, 'docker_image'));
    expect(images.map((i) => i.name).sort()).toEqual(['nginx:1.27', 'python:3.12-slim', 'redis:7.4']);
    for (const i of images) expect(i.keep_locally).toBe(true);
  });

  it('waits for healthy app containers before the balancer (health check + wait)', () => {
    const app1 = byName(pavics, 'pavics-docker-pavics-1');
    expect(app1.healthcheck).toEqual({
      test: ['CMD', 'python3', '/opt/twin/app.py', '--check', '8093'],
      interval: '1s',
      timeout: '3s',
      retries: 3,
      start_period: '0s',
    });
    expect(app1.wait).toBe(true);
    expect(uploads(app1)[0]).toEqual(
      expect.objectContaining({ file: '/opt/twin/app.py', permissions: '0644' }),
    );
  });

  it('protects a named volume from destroy by default', () => {
    const json = synthStack((app) => {
      const stack = new TerraformStack(app, 'vol');
      new DockerVolume(stack, 'Shared');
      return stack;
    });
    expect(Object.values(resourcesOf(json, 'docker_volume'))[0]).toEqual(
      expect.objectContaining({ name: 'vol-shared', lifecycle: { prevent_destroy: true } }),
    );
  });

  it('mounts a shared volume into every container of a group', () => {
    const json = synthStack((app) => {
      const stack = new TerraformStack(app, 'share');
      const network = new DockerNetwork(stack, 'Net');
      const shared = new DockerVolume(stack, 'Shared', { preventDestroy: false });
      new ContainerGroup(stack, 'App', {
        network,
        image: 'python:3.12-slim',
        count: 3,
        volumes: [{ volume: shared, containerPath: '/srv/shared' }],
      });
      return stack;
    });
    for (const c of containers(json)) {
      expect(c.volumes).toEqual([
        {
          volume_name: '${docker_volume.Shared_DACC02AA.name}',
          container_path: '/srv/shared',
          read_only: false,
        },
      ]);
    }
    expect(containers(json)).toHaveLength(3);
  });
});

describe('the Docker backend says what it cannot do', () => {
  function stack() {
    const s = new TerraformStack(Testing.app(), 'caps');
    return { s, network: new DockerNetwork(s, 'Net') };
  }

  it('refuses TLS termination (no certificate files reach the container)', () => {
    const { s, network } = stack();
    const lb = new DockerNginxBalancer(s, 'Lb', { network });
    const pool = lb.addPool('app', { port: 8080 });
    expectRejected(
      () =>
        lb.addListener('https', {
          port: 443,
          defaultPool: pool,
          tls: {
            certificate: { kind: 'files', certificatePath: '/etc/ssl/a.pem', keyPath: '/etc/ssl/a.key' },
          },
        }),
      'caps/Lb listener \'https\': TLS termination (nginx) "terminate" is not allowed; allowed: passthrough. Fix: the Docker balancers get no certificate files (they would have to live in the image); terminate TLS in front of the laptop twin, use tls.mode "passthrough", or the OpenStack balancer hosts',
    );
  });

  it('refuses run-time pools', () => {
    const { s, network } = stack();
    const lb = new DockerHaproxyBalancer(s, 'Lb', { network });
    expect(() => lb.addPool('app', { port: 8080, runtimeManaged: true })).toThrow(
      /caps\/Lb pool 'app': runtimeManaged \(HAProxy\) true is not allowed/,
    );
  });

  it('refuses what nginx cannot do, as on the host', () => {
    const { s, network } = stack();
    const lb = new DockerNginxBalancer(s, 'Lb', { network });
    expect(() => lb.addPool('web', { port: 80, stickiness: Stickiness.insertCookie() })).toThrow(
      /stickiness \(nginx\) "insert-cookie" is not allowed/,
    );
  });

  it('refuses a publish address that is not an IPv4 address', () => {
    const { s, network } = stack();
    expectRejected(
      () => new DockerNginxBalancer(s, 'Lb', { network, publishAddress: 'localhost' }),
      'caps/Lb: publishAddress "localhost" is not allowed; allowed: an IPv4 address of this machine, e.g. "127.0.0.1". Fix: leave it out for 127.0.0.1 (this machine only)',
    );
  });

  it('refuses hostPorts for a listener that does not exist (at synth)', () => {
    const { s, network } = stack();
    const lb = new DockerNginxBalancer(s, 'Lb', { network, hostPorts: { htp: 8080 } });
    lb.addListener('http', { port: 80, defaultPool: lb.addPool('app', { port: 8080 }) });
    expect(() => Testing.synth(s, true)).toThrow(/hostPorts names listeners that do not exist: htp/);
  });

  it("refuses a health check that is not in Docker's form", () => {
    const { s, network } = stack();
    expect(
      () =>
        new ContainerGroup(s, 'App', {
          network,
          image: 'python:3.12-slim',
          healthCheck: { command: ['curl', 'http://127.0.0.1/'] },
        }),
    ).toThrow(/healthCheck.command .* is not allowed; allowed: \["CMD", program, args…\]/);
  });

  it("refuses two primaries' worth of roles the same way WorkerGroup does", () => {
    const { s, network } = stack();
    expect(
      () =>
        new ContainerGroup(s, 'App', {
          network,
          image: 'python:3.12-slim',
          roles: { primaryEnvironment: { A: '1' }, secondaryEnvironment: { B: '0' } },
        }),
    ).toThrow(/roles variables .* is not allowed; allowed: the same variable names/);
  });

  it('refuses an image reference with upper-case letters', () => {
    const { s, network } = stack();
    expect(() => new ContainerGroup(s, 'App', { network, image: 'Python:3' })).toThrow(
      /image "Python:3" is not allowed/,
    );
  });

  it('keeps Redis unreachable from the machine: DockerRedis has no ports and allowFrom writes no rule', () => {
    const { s, network } = stack();
    const redis = new DockerRedis(s, 'Redis', { network, preventDestroy: false });
    const app = new ContainerGroup(s, 'App', { network, image: 'python:3.12-slim' });
    redis.allowFrom(app);
    const json = JSON.parse(Testing.synth(s, true)) as StackJson;
    expect(byName(json, 'caps-redis').ports).toBeUndefined();
    expect(
      Object.keys(json.resource ?? {}).filter((t) => !t.startsWith('docker_') && t !== 'random_password'),
    ).toEqual([]);
  });
});

describe('Docker balancer algorithms render as on the host', () => {
  it('writes hash $http_machineid consistent for each PAVICS service', () => {
    const json = synthStack((app) => new PavicsDockerStack(app, 'pavics-docker'));
    const files = uploads(byName(json, 'pavics-docker-proxy'));
    for (const service of ['flyingpigeon', 'malleefowl', 'hummingbird']) {
      const pool = files.find((f) => f.file === `/etc/nginx/webfarm/pools/${service}.conf`);
      expect(pool?.content).toContain('hash $http_machineid consistent;');
    }
    expect(Algorithm.hashHeader('machineid').kind).toBe('hash-header');
  });
});

describe('the README "Try it on your laptop"', () => {
  it('shows examples/visa-docker.ts line for line', () => {
    const root = ROOT;
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Try it on your laptop'));
    const block = /```ts\n([\s\S]*?)```/.exec(section)![1];
    const example = fs.readFileSync(path.join(root, 'examples/visa-docker.ts'), 'utf8');
    const body = /\/\/ README:begin\n([\s\S]*?)\/\/ README:end/.exec(example)![1];
    const normalize = (text: string) =>
      text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    expect(normalize(block)).toEqual(normalize(body));
  });
});
