import { App, TerraformStack } from '../../lib/core/cdk';
import { Algorithm, Stickiness } from '../../lib/core/balancing';
import { HaproxyBalancer } from '../../lib/openstack/haproxy-balancer';
import { Network } from '../../lib/openstack/network';
import { resourcesOf, tfcheckProblems } from '../support/synth';
import {
  SUBNET,
  baseProps,
  buildBalancerStack,
  manifestOf,
  resourcesNamed,
  synthBalancer,
  synthWithManifests,
} from '../e2e/balancer-fixture';

function haproxyStack(props: Partial<ConstructorParameters<typeof HaproxyBalancer>[2]> = {}) {
  const stack = new TerraformStack(new App(), 's');
  const network = new Network(stack, 'Network', { cidr: SUBNET });
  return new HaproxyBalancer(stack, 'Balancer', { ...baseProps(network), ...props });
}

describe('HaproxyBalancer: GIVEN the NSBoot backends (leastconn + httpchk, websocket to balance source)', () => {
  const json = synthWithManifests((app: App) => {
    const { stack, lb, workers } = buildBalancerStack(app, 'nsboot', {
      kind: 'haproxy',
      algorithm: Algorithm.leastConnections(),
    });
    const ws = lb.addPool('websocket', {
      port: 8080,
      algorithm: Algorithm.sourceIp(),
      healthCheck: {
        active: { path: '/health', intervalSeconds: 3, healthyThreshold: 2, unhealthyThreshold: 3 },
      },
    });
    ws.addTarget(workers);
    const sticky = lb.addPool('sticky', { port: 8080, stickiness: Stickiness.insertCookie('SERVERID') });
    sticky.addTarget(workers);
    lb.addListener('app', {
      port: 8000,
      defaultPool: lb.pools[0],
      rules: [
        { websocket: true, pool: ws },
        { pathPrefix: '/api/', pool: sticky },
      ],
      allowedCidrs: ['203.0.113.0/24'],
    });
    return stack;
  });
  const [[, data]] = resourcesNamed(json, 'terraform_data', 'Balancer_');
  const manifest = manifestOf(data);
  const cfg = manifest.files[0].content;

  it('THEN it is tfcheck-clean', () => {
    expect(tfcheckProblems(json)).toBe('');
  });

  it('THEN one haproxy.cfg is pushed, checked with haproxy -c and reloaded', () => {
    expect(manifest).toMatchObject({ host: 'lb', role: 'haproxy-balancer', delivery: 'ssh' });
    expect(manifest.files.map((f) => [f.path, f.check])).toEqual([
      ['/etc/haproxy/haproxy.cfg', 'haproxy -c -q -f /etc/haproxy/haproxy.cfg'],
    ]);
    const provisioners = data.provisioner as Array<Record<string, Record<string, unknown>>>;
    const script = String(provisioners[provisioners.length - 2].file.content);
    expect(script).toContain('if ! ( haproxy -c -q -f /etc/haproxy/haproxy.cfg ); then');
    expect(script).toContain('systemctl reload-or-restart haproxy');
    expect(script).not.toContain("\nprune '");
  });

  it('THEN the pools carry active checks, source balancing, cookie insertion and the routing rules', () => {
    expect(cfg).toContain('balance leastconn');
    expect(cfg).toMatch(
      /backend websocket\n(.*\n)*? {4}balance source\n(.*\n)*? {4}http-check send meth GET uri \/health\n/,
    );
    expect(cfg).toContain('check inter 3s rise 2 fall 3');
    expect(cfg).toContain('cookie SERVERID insert');
    expect(cfg).toContain('use_backend websocket if rule1_websocket');
    expect(cfg).toContain('use_backend sticky if rule2_path');
    expect(cfg).toContain('server web-1 ${element(openstack_networking_port_v2.Web_Node-web-1_Port_');
  });

  it('THEN the stats page listens on localhost only and no rule opens it', () => {
    expect(cfg).toContain('bind 127.0.0.1:8404');
    expect(resourcesOf(json, 'random_password')).toEqual({});
    const ports = Object.values(resourcesOf(json, 'openstack_networking_secgroup_rule_v2'))
      .filter((r) => r.direction === 'ingress' && String(r.security_group_id).includes('.Balancer_'))
      .map((r) => r.port_range_min);
    expect(ports.sort()).toEqual([22, 80, 8000]);
  });

  it('THEN cloud-init installs and enables HAProxy but leaves haproxy.cfg to the push', () => {
    const [[, instance]] = resourcesNamed(json, 'openstack_compute_instance_v2', 'Balancer_');
    const userData = instance.user_data as string;
    expect(userData).toContain('"haproxy"');
    expect(userData).toContain(
      'haproxy -c -q -f /etc/haproxy/haproxy.cfg && systemctl reload-or-restart haproxy.service',
    );
    expect(userData).not.toContain('/etc/haproxy/haproxy.cfg"');
    expect(userData).not.toContain('backend ');
  });
});

describe('HaproxyBalancer: stats for the admin networks', () => {
  const json = synthBalancer({ kind: 'haproxy', props: { statusAllowedCidrs: ['203.0.113.0/24'] } });
  const cfg = manifestOf(resourcesNamed(json, 'terraform_data', 'Balancer_')[0][1]).files[0];

  it('WHEN statusAllowedCidrs is given THEN stats listen on every address behind a generated password', () => {
    expect(cfg.content).toContain('bind 0.0.0.0:8404');
    expect(cfg.content).toContain("user admin insecure-password '${random_password.Balancer_StatsPassword_");
    expect(cfg.mode).toBe('0600');
    const [password] = Object.values(resourcesOf(json, 'random_password'));
    expect(password).toMatchObject({ length: 32 });
    expect(Object.values(json.output ?? {})).toContainEqual(
      expect.objectContaining({
        sensitive: true,
        value: expect.stringContaining('random_password.Balancer_StatsPassword_'),
      }),
    );
    expect(json.provider).toHaveProperty('random');
    expect(tfcheckProblems(json)).toBe('');
  });

  it('THEN port 8404 opens to those networks only', () => {
    const rules = Object.values(resourcesOf(json, 'openstack_networking_secgroup_rule_v2')).filter(
      (r) => r.port_range_min === 8404,
    );
    expect(rules).toEqual([
      expect.objectContaining({ direction: 'ingress', remote_ip_prefix: '203.0.113.0/24' }),
    ]);
  });
});

describe('HaproxyBalancer: validation', () => {
  it('fails on a UDP pool, naming nginx or Octavia as the fix', () => {
    expect(() => haproxyStack().addPool('dns', { port: 53, protocol: 'udp' })).toThrow(
      's/Balancer pool \'dns\': pool protocol (HAProxy) "udp" is not allowed; allowed: http, https, tcp. Fix: HAProxy does not balance UDP; use NginxBalancer (stream) or OctaviaBalancer',
    );
  });

  it('fails on a listener on the stats port', () => {
    const lb = haproxyStack();
    const web = lb.addPool('web', { port: 80 });
    expect(() => lb.addListener('stats', { port: 8404, defaultPool: web })).toThrow(
      "s/Balancer listener 'stats': port 8404 is not allowed; allowed: a port other than 22 (SSH) and 8404 (the haproxy status page). Fix: move the listener to another port",
    );
  });

  it('fails at addPool when the renderer rejects the pool (a hash header HAProxy cannot name)', () => {
    const lb = haproxyStack();
    expect(() => lb.addPool('web', { port: 80, algorithm: Algorithm.hashHeader('X!Id') })).toThrow(
      /haproxy pool 'web': hash header name "X!Id" is not allowed/,
    );
    // THEN the refused pool left nothing behind: the id is free again
    expect(lb.pools).toEqual([]);
    expect(lb.addPool('web', { port: 80 }).name).toBe('web');
  });
});
