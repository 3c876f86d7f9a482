import * as fs from 'fs';
import * as path from 'path';
import { TerraformStack, Testing } from '../../lib/core/cdk';
import { Algorithm, ValidationError } from '../../lib/core';
import { IServicePlatform } from '../../lib/core/service';
import { Network } from '../../lib/openstack/network';
import { OpenStackPlatform } from '../../lib/openstack/platform';
import { LoadBalancedService } from '../../lib/patterns/load-balanced-service';
import { StackJson, resourcesOf, tfcheckProblems } from '../support/synth';
import { ROOT } from '../support/tools';

const HOST_BALANCER = {
  flavor: 'm3.small',
  ssh: { user: 'ubuntu' },
  adminCidrs: ['198.51.100.0/24'],
};

/** The same service on each OpenStack backend. */
const PLATFORMS: Record<string, (network: Network) => IServicePlatform> = {
  nginx: (network) =>
    OpenStackPlatform.nginx({ network, image: 'img', flavor: 'm3.medium', balancer: HOST_BALANCER }),
  haproxy: (network) =>
    OpenStackPlatform.haproxy({ network, image: 'img', flavor: 'm3.medium', balancer: HOST_BALANCER }),
  octavia: (network) => OpenStackPlatform.octavia({ network, image: 'img', flavor: 'm3.medium' }),
};

function service(kind: string, extra: Partial<ConstructorParameters<typeof LoadBalancedService>[2]> = {}) {
  const stack = new TerraformStack(Testing.app(), 'svc');
  const network = new Network(stack, 'Network', { cidr: '10.20.0.0/24' });
  const svc = new LoadBalancedService(stack, 'Web', {
    platform: PLATFORMS[kind](network),
    port: 8080,
    count: 3,
    pool: { algorithm: Algorithm.leastConnections(), weight: { 'web-1': 2 } },
    routes: [
      { websocket: true, pool: { id: 'websocket', algorithm: Algorithm.sourceIp() } },
      { pathPrefix: '/api/' },
    ],
    listeners: [{ port: 80, allowedCidrs: ['0.0.0.0/0'] }],
    redis: { envPrefix: 'APP_REDIS_' },
    sharedFiles: { mountPoint: '/srv/shared', sizeGb: 50 },
    ...extra,
  });
  return { stack, svc };
}

describe.each(Object.keys(PLATFORMS))('LoadBalancedService on OpenStack (%s)', (kind) => {
  const { stack, svc } = service(kind);
  const json = JSON.parse(Testing.synth(stack, true)) as StackJson;

  it('GIVEN one call THEN workers, balancer, pools, listener, Redis and files exist and are reachable', () => {
    expect(svc.workers.nodes.map((n) => n.name)).toEqual(['web-1', 'web-2', 'web-3']);
    expect(svc.pool.name).toBe('web');
    expect(svc.pools.map((p) => [p.name, p.algorithm.kind])).toEqual([
      ['web', 'least-connections'],
      ['websocket', 'source-ip'],
    ]);
    expect(svc.pool.nodes.map((n) => n.weight)).toEqual([2, undefined, undefined]);
    expect(svc.balancer.listeners.map((l) => [l.name, l.options.port, l.options.rules?.length])).toEqual([
      ['http', 80, 2],
    ]);
    expect(svc.listeners[0].options.rules?.[1].pool).toBe(svc.pool);
    expect(svc.redis).toBeDefined();
    expect(svc.sharedFiles).toBeDefined();
    expect(tfcheckProblems(json)).toBe('');
  });

  it('THEN the workers admit the app port from the balancer side only, Redis and NFS from the workers only', () => {
    const rules = Object.entries(resourcesOf(json, 'openstack_networking_secgroup_rule_v2')).filter(
      ([, r]) => r.direction === 'ingress',
    );
    const world = rules.filter(([, r]) => r.remote_ip_prefix === '0.0.0.0/0');
    expect(world.map(([, r]) => r.port_range_min)).toEqual([80]);
    for (const [name, r] of rules) {
      if (name.startsWith('Web_Redis_') && r.port_range_min === 6379)
        expect(String(r.remote_group_id)).toContain('Web_Workers_SecurityGroup');
      if (name.startsWith('Web_Files_') && r.port_range_min === 2049)
        expect(String(r.remote_group_id)).toContain('Web_Workers_SecurityGroup');
    }
    const app = rules.filter(([name, r]) => name.startsWith('Web_Workers_') && r.port_range_min === 8080);
    expect(app.length).toBeGreaterThan(0);
    expect(app.every(([, r]) => r.remote_ip_prefix !== '0.0.0.0/0')).toBe(true);
  });

  it('THEN every node gets the Redis settings in its environment', () => {
    for (const instance of Object.entries(resourcesOf(json, 'openstack_compute_instance_v2'))
      .filter(([n]) => n.startsWith('Web_Workers_'))
      .map(([, i]) => String(i.user_data))) {
      expect(instance).toContain('APP_REDIS_URL=');
      expect(instance).toContain('APP_REDIS_PASSWORD=');
    }
  });
});

describe('LoadBalancedService: bad input', () => {
  it('WHEN no platform is given THEN a ValidationError naming the fix', () => {
    const stack = new TerraformStack(Testing.app(), 'svc');
    expect(
      () =>
        new LoadBalancedService(stack, 'Web', { port: 80 } as ConstructorParameters<
          typeof LoadBalancedService
        >[2]),
    ).toThrow(
      'svc/Web: platform (not set) is not allowed; allowed: a service platform, e.g. OpenStackPlatform.nginx({ … }). Fix: pass props with a platform and the app port',
    );
  });

  it('WHEN two listeners take the default id THEN the duplicate is named', () => {
    expect(() => service('nginx', { listeners: [{ port: 80 }, { port: 8088 }] })).toThrow(ValidationError);
    expect(() => service('nginx', { listeners: [{ port: 80 }, { port: 8088 }] })).toThrow(
      /listener id "http" is not allowed; allowed: a name not yet used/,
    );
  });

  it('WHEN the backend cannot do what the pool asks THEN the backend says so (nginx: no active checks)', () => {
    expect(() => service('nginx', { pool: { healthCheck: { active: { path: '/health' } } } })).toThrow(
      /svc\/Web\/Balancer pool 'web': active health check \(nginx\) "active" is not allowed/,
    );
  });
});

describe('lib/patterns layering', () => {
  it('imports only lib/core and constructs (never a platform)', () => {
    const dir = path.join(ROOT, 'lib', 'patterns');
    const imports = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]),
      );
    expect(imports.length).toBeGreaterThan(0);
    expect(
      imports.filter((i) => !(i === 'constructs' || i.startsWith('../core/') || i.startsWith('./'))),
    ).toEqual([]);
  });
});
