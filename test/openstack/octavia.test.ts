import { App, TerraformStack, TerraformVariable, Testing } from '../../lib/core/cdk';
import { Algorithm, IBalancer, Stickiness } from '../../lib/core';
import { Network, OctaviaBalancer, OctaviaDriver, WorkerGroup } from '../../lib/openstack';
import { Jetstream2OctaviaStack } from '../../examples/jetstream2-octavia';
import { OctaviaHttpsStack } from '../../examples/octavia-https';
import { EXAMPLE_STACKS } from '../../stacks';
import { StackJson, addressAt, resourceAt, resourcesOf, synthStack, tfcheckProblems } from '../support/synth';
import { Fixture, fixture } from './octavia-features';

type Resource = Record<string, unknown>;

/** The one resource of `type` at construct path `part` (its last components), with its address. */
function byId(json: StackJson, type: string, part: string): Resource & { address: string } {
  return { ...resourceAt(json, type, part), address: addressAt(json, type, part) };
}

/** `${openstack_lb_pool_v2.Lb_Pool-web_X.id}` of a resource. */
function ref(resource: { address: string }, attribute = 'id'): string {
  return `\${${resource.address}.${attribute}}`;
}

/** `${data.openstack_networking_subnet_v2.<the looked-up subnet>.cidr}`. */
function subnetCidrRef(json: StackJson): string {
  const names = Object.keys(json.data?.openstack_networking_subnet_v2 ?? {});
  if (names.length !== 1) throw new Error(`expected one looked-up subnet, found ${names.join(', ')}`);
  return `\${data.openstack_networking_subnet_v2.${names[0]}.cidr}`;
}

function rules(json: StackJson, group: string): Resource[] {
  const sg = byId(json, 'openstack_networking_secgroup_v2', group);
  return Object.values(resourcesOf(json, 'openstack_networking_secgroup_rule_v2')).filter(
    (r) => r.security_group_id === ref(sg),
  );
}

function synthOf(build: (f: Fixture) => void, driver: OctaviaDriver = 'amphora', props = {}): StackJson {
  return synthStack((app) => {
    const f = fixture(app, driver, props);
    build(f);
    return f.stack;
  });
}

const BARBICAN = {
  kind: 'barbican' as const,
  containerRef: 'https://barbican.example.org/v1/containers/0b6a',
};

describe('OctaviaBalancer: the Jetstream2 guide (examples/jetstream2-octavia.ts)', () => {
  const json = synthStack((app) => new Jetstream2OctaviaStack(app, 'jetstream2-octavia'));
  const subnet = byId(
    json.data ? { resource: json.data } : {},
    'openstack_networking_subnet_v2',
    'Net_Subnet',
  );
  const subnetRef = (attr: string) => `\${data.${subnet.address}.${attr}}`;
  const lb = byId(json, 'openstack_lb_loadbalancer_v2', 'Lb');
  const listener = byId(json, 'openstack_lb_listener_v2', 'Listener-http');
  const pool = byId(json, 'openstack_lb_pool_v2', 'Pool-web');
  const members = byId(json, 'openstack_lb_members_v2', 'Members-web');
  const monitor = byId(json, 'openstack_lb_monitor_v2', 'Monitor-web');

  it('is an example stack of `npm run synth` and passes tfcheck', () => {
    expect(EXAMPLE_STACKS.map((s) => s.name)).toContain('jetstream2-octavia');
    expect(tfcheckProblems(json)).toBe('');
  });

  it('has two workers (worker-node-1, -2) and a security group opening port 80', () => {
    const instances = Object.values(resourcesOf(json, 'openstack_compute_instance_v2'));
    expect(instances.map((i) => i.name).sort()).toEqual(['worker-node-1', 'worker-node-2']);
    expect(rules(json, 'Workers_SecurityGroup').filter((r) => r.direction === 'ingress')).toEqual([
      expect.objectContaining({ protocol: 'tcp', port_range_min: 80, port_range_max: 80 }),
    ]);
  });

  it("puts the load balancer on the workers' subnet (auto_allocated_network), amphora, with the VIP group", () => {
    const port = byId(json, 'openstack_networking_port_v2', 'Node-worker-node-1_Port');
    expect(lb.vip_subnet_id).toBe(subnetRef('id'));
    expect(port.fixed_ip).toEqual([{ subnet_id: subnetRef('id') }]);
    expect(lb.loadbalancer_provider).toBe('amphora');
    expect(lb.security_group_ids).toEqual([
      ref(byId(json, 'openstack_networking_secgroup_v2', 'Lb_SecurityGroup')),
    ]);
    expect(lb.flavor_id).toBeUndefined();
    expect(lb.availability_zone).toBeUndefined();
  });

  it('listens on HTTP:80 for anyone, as the guide publishes the site', () => {
    expect(listener).toMatchObject({
      loadbalancer_id: ref(lb),
      protocol: 'HTTP',
      protocol_port: 80,
      allowed_cidrs: ['0.0.0.0/0'],
      insert_headers: { 'X-Forwarded-For': 'true', 'X-Forwarded-Proto': 'true' },
    });
    expect(listener.default_pool_id).toBeUndefined();
  });

  it("has a ROUND_ROBIN HTTP pool as the listener's default pool", () => {
    expect(pool).toMatchObject({ lb_method: 'ROUND_ROBIN', protocol: 'HTTP', listener_id: ref(listener) });
    expect(pool.loadbalancer_id).toBeUndefined();
  });

  it('has both workers as members on port 80, in one members resource', () => {
    expect(members.pool_id).toBe(ref(pool));
    expect(members.member).toEqual([
      {
        name: 'worker-node-1',
        address: `\${element(${byId(json, 'openstack_networking_port_v2', 'Node-worker-node-1_Port').address}.all_fixed_ips, 0)}`,
        protocol_port: 80,
      },
      {
        name: 'worker-node-2',
        address: `\${element(${byId(json, 'openstack_networking_port_v2', 'Node-worker-node-2_Port').address}.all_fixed_ips, 0)}`,
        protocol_port: 80,
      },
    ]);
  });

  it('has an HTTP health monitor on the pool', () => {
    expect(monitor).toMatchObject({
      pool_id: ref(pool),
      type: 'HTTP',
      url_path: '/',
      http_method: 'GET',
      expected_codes: '200-399',
      delay: 5,
      timeout: 3,
      max_retries: 2,
      max_retries_down: 3,
    });
  });

  it('associates a floating IP from "public" with the VIP port, as a separate resource', () => {
    const fip = byId(json, 'openstack_networking_floatingip_v2', 'Lb_FloatingIp');
    expect(fip.pool).toBe('public');
    expect(
      byId(json, 'openstack_networking_floatingip_associate_v2', 'Lb_FloatingIp_Association'),
    ).toMatchObject({
      floating_ip: ref(fip, 'address'),
      port_id: ref(lb, 'vip_port_id'),
    });
    expect(json.output?.url.value).toBe(`http://${ref(fip, 'address')}/`);
  });

  it('serializes listener → pool → members → monitor', () => {
    expect(listener.depends_on).toBeUndefined();
    expect(pool.depends_on).toEqual([listener.address]);
    expect(members.depends_on).toEqual([pool.address]);
    expect(monitor.depends_on).toEqual([members.address]);
  });

  it('opens only the listener port on the VIP group, and the workers only to the VIP subnet', () => {
    expect(
      rules(json, 'Lb_SecurityGroup').map((r) => [
        r.direction,
        r.protocol,
        r.port_range_min,
        r.remote_ip_prefix,
      ]),
    ).toEqual([['ingress', 'tcp', 80, '0.0.0.0/0']]);
    const fromLb = rules(json, 'Workers_SecurityGroup').filter((r) => r.direction === 'ingress');
    expect(fromLb).toEqual([
      expect.objectContaining({ remote_ip_prefix: subnetRef('cidr'), port_range_min: 80, ethertype: 'IPv4' }),
    ]);
    expect(fromLb[0].remote_group_id).toBeUndefined();
  });
});

describe('OctaviaBalancer: the HTTPS example (examples/octavia-https.ts)', () => {
  const json = synthStack((app) => new OctaviaHttpsStack(app, 'octavia-https'));

  it('is an example stack of `npm run synth` and passes tfcheck', () => {
    expect(EXAMPLE_STACKS.map((s) => s.name)).toContain('octavia-https');
    expect(tfcheckProblems(json)).toBe('');
  });

  it('asks for the ACTIVE_STANDBY flavor and the Barbican container as variables', () => {
    expect(byId(json, 'openstack_lb_loadbalancer_v2', 'Lb').flavor_id).toBe('${var.octavia_flavor_id}');
    expect(byId(json, 'openstack_lb_listener_v2', 'Listener-https')).toMatchObject({
      protocol: 'TERMINATED_HTTPS',
      default_tls_container_ref: '${var.certificate_container_ref}',
      tls_versions: ['TLSv1.2', 'TLSv1.3'],
      hsts_max_age: 31536000,
      timeout_member_data: 300000,
      allowed_cidrs: ['0.0.0.0/0'],
    });
  });

  it('redirects HTTP, routes /api/ to the api pool, keeps sessions on the web pool', () => {
    expect(byId(json, 'openstack_lb_l7policy_v2', 'Redirect-https-Policy').redirect_prefix).toBe(
      'https://www.example.org',
    );
    expect(byId(json, 'openstack_lb_l7policy_v2', 'Policy-https-to-api-path-api').redirect_pool_id).toBe(
      ref(byId(json, 'openstack_lb_pool_v2', 'Pool-api')),
    );
    expect(byId(json, 'openstack_lb_pool_v2', 'Pool-web')).toMatchObject({
      lb_method: 'LEAST_CONNECTIONS',
      persistence: { type: 'APP_COOKIE', cookie_name: 'SESSIONID' },
    });
    expect(byId(json, 'openstack_lb_members_v2', 'Members-web').member).toHaveLength(3);
    expect(byId(json, 'openstack_lb_members_v2', 'Members-api').member).toHaveLength(2);
  });

  it('exposes the metrics listener to the admin network only', () => {
    expect(byId(json, 'openstack_lb_listener_v2', 'Listener-metrics')).toMatchObject({
      protocol: 'PROMETHEUS',
      protocol_port: 9100,
      allowed_cidrs: ['198.51.100.0/24'],
    });
    expect(
      rules(json, 'Lb_SecurityGroup')
        .filter((r) => r.port_range_min === 9100)
        .map((r) => r.remote_ip_prefix),
    ).toEqual(['198.51.100.0/24']);
  });
});

describe('OctaviaBalancer: security by default', () => {
  it('opens a listener without allowedCidrs only to the VIP subnet (group rule and allowed_cidrs)', () => {
    // GIVEN a listener with no allowedCidrs WHEN synthesized
    const json = synthOf((f) => {
      const web = f.lb.addPool('web', { port: 8080 });
      f.lb.addListener('main', { port: 80, defaultPool: web });
    });
    // THEN only 10.0.0.0/24 may connect, and the internet is named nowhere
    expect(byId(json, 'openstack_lb_listener_v2', 'Listener-main').allowed_cidrs).toEqual(['10.0.0.0/24']);
    expect(rules(json, 'Lb_SecurityGroup').map((r) => r.remote_ip_prefix)).toEqual(['10.0.0.0/24']);
    expect(JSON.stringify(resourcesOf(json, 'openstack_networking_secgroup_rule_v2'))).not.toContain(
      '0.0.0.0/0',
    );
  });

  it('uses the looked-up subnet CIDR (a reference) when the CIDR is not known', () => {
    const json = synthStack((app) => {
      const stack = new TerraformStack(app, 'octavia');
      const network = Network.fromName(stack, 'Net', 'auto_allocated_network');
      const lb = new OctaviaBalancer(stack, 'Lb', { network });
      lb.addListener('main', { port: 80, defaultPool: lb.addPool('web', { port: 8080 }) });
      return stack;
    });
    const cidr = subnetCidrRef(json);
    expect(byId(json, 'openstack_lb_listener_v2', 'Listener-main').allowed_cidrs).toEqual([cidr]);
    expect(rules(json, 'Lb_SecurityGroup').map((r) => r.remote_ip_prefix)).toEqual([cidr]);
    expect(tfcheckProblems(json)).toBe('');
  });

  it("opens the workers' app port to the VIP subnet with a stable rule id (amphorae are not a group)", () => {
    const build = (app: App, count: number) => {
      const stack = new TerraformStack(app, 'octavia');
      const network = Network.fromName(stack, 'Net', 'auto_allocated_network');
      const workers = new WorkerGroup(stack, 'Web', {
        network,
        image: 'debian-12',
        flavor: 'm1.small',
        count,
      });
      const lb = new OctaviaBalancer(stack, 'Lb', { network });
      const pool = lb.addPool('web', { port: 8080 });
      pool.addTarget(workers);
      lb.addListener('main', { port: 80, defaultPool: pool });
      return stack;
    };
    const two = synthStack((app) => build(app, 2));
    const three = synthStack((app) => build(app, 3));
    const ingress = (json: StackJson) =>
      Object.entries(resourcesOf(json, 'openstack_networking_secgroup_rule_v2')).filter(
        ([, r]) => r.direction === 'ingress' && r.port_range_min === 8080,
      );
    expect(ingress(two)).toHaveLength(1);
    const [name, rule] = ingress(two)[0];
    expect(name).toContain('from-vip-subnet-of-octavia_Lb');
    expect(rule.remote_ip_prefix).toBe(subnetCidrRef(two));
    expect(ingress(three).map(([n]) => n)).toEqual([name]);
  });

  it('keys a rule from an allowed CIDR that is a reference by listener and position, not by token text', () => {
    const build = (app: App, extraTokens: number) => {
      const f = fixture(app, 'amphora');
      for (let i = 0; i < extraTokens; i++)
        new TerraformVariable(f.stack, `unrelated${i}`, { type: 'string' });
      const admin = new TerraformVariable(f.stack, 'admin_cidr', { type: 'string' });
      f.lb.addMetricsListener('metrics', { port: 9100, allowedCidrs: [admin.stringValue] });
      return f.stack;
    };
    const names = (json: StackJson) =>
      Object.entries(resourcesOf(json, 'openstack_networking_secgroup_rule_v2'))
        .filter(([, r]) => r.remote_ip_prefix === '${var.admin_cidr}')
        .map(([n]) => n);
    const one = names(synthStack((app) => build(app, 0)));
    expect(one).toEqual([expect.stringContaining('from-allowed-cidr-octavia-lb-metrics-1')]);
    expect(names(synthStack((app) => build(app, 5)))).toEqual(one);
  });

  it('on ovn also opens the workers to the clients, whichever comes first (members see client addresses)', () => {
    for (const targetFirst of [true, false]) {
      const json = synthOf((f) => {
        const workers = new WorkerGroup(f.stack, 'Web', {
          network: f.network,
          image: 'debian-12',
          flavor: 'm1.small',
        });
        const pool = f.lb.addPool('web', { port: 8080 });
        if (targetFirst) pool.addTarget(workers);
        f.lb.addListener('main', { port: 80, defaultPool: pool, allowedCidrs: ['198.51.100.0/24'] });
        if (!targetFirst) pool.addTarget(workers);
      }, 'ovn');
      const listener = byId(json, 'openstack_lb_listener_v2', 'Listener-main');
      expect(listener.allowed_cidrs).toBeUndefined();
      expect(
        rules(json, 'Web_SecurityGroup')
          .filter((r) => r.direction === 'ingress')
          .map((r) => r.remote_ip_prefix),
      ).toEqual(['10.0.0.0/24', '198.51.100.0/24']);
    }
  });

  it('opens UDP for a UDP pool and listener', () => {
    const json = synthOf((f) => {
      const workers = new WorkerGroup(f.stack, 'Dns', {
        network: f.network,
        image: 'debian-12',
        flavor: 'm1.small',
      });
      const pool = f.lb.addPool('dns', { port: 53, protocol: 'udp' });
      pool.addTarget(workers);
      f.lb.addListener('main', { port: 53, protocol: 'udp', defaultPool: pool });
    });
    expect(rules(json, 'Dns_SecurityGroup').filter((r) => r.direction === 'ingress')[0].protocol).toBe('udp');
    expect(rules(json, 'Lb_SecurityGroup')[0].protocol).toBe('udp');
  });
});

describe('OctaviaBalancer: members', () => {
  it('writes members in node-name order, whatever the order they were added in', () => {
    const json = synthOf((f) =>
      f.lb
        .addPool('web', { port: 8080 })
        .addNodes([
          { name: 'web-b', host: '10.0.0.6', port: 8080, weight: 3 },
          '[2001:db8::5]:8080',
          { name: 'web-a', host: '10.0.0.5', port: 8080, backup: true },
        ]),
    );
    expect(byId(json, 'openstack_lb_members_v2', 'Members-web').member).toEqual([
      { name: '2001-db8-5-8080', address: '2001:db8::5', protocol_port: 8080 },
      { name: 'web-a', address: '10.0.0.5', protocol_port: 8080, backup: true },
      { name: 'web-b', address: '10.0.0.6', protocol_port: 8080, weight: 3 },
    ]);
  });

  it("adding a member changes only that pool's members resource", () => {
    const build = (extra: string[]) =>
      synthOf((f) => {
        const web = f.lb.addPool('web', { port: 8080, healthCheck: { active: {} } });
        const api = f.lb.addPool('api', { port: 9090 });
        web.addNodes(['10.0.0.5:8080', ...extra]);
        api.addNodes(['10.0.0.7:9090']);
        f.lb.addListener('main', { port: 80, defaultPool: web, rules: [{ pool: api, pathPrefix: '/api/' }] });
      });
    const before = build([]);
    const after = build(['203.0.113.10:80']);
    const changed = Object.keys(resourcesOf(after, 'openstack_lb_members_v2')).filter(
      (k) =>
        JSON.stringify(resourcesOf(after, 'openstack_lb_members_v2')[k]) !==
        JSON.stringify(resourcesOf(before, 'openstack_lb_members_v2')[k]),
    );
    expect(changed).toEqual([expect.stringContaining('Members-web_')]);
    for (const type of Object.keys(after.resource ?? {})) {
      if (type === 'openstack_lb_members_v2') continue;
      expect(resourcesOf(after, type)).toEqual(resourcesOf(before, type));
    }
  });

  it('adds, lists and removes nodes through the IBalancer interface', () => {
    const { lb } = fixture(Testing.app(), 'amphora');
    const balancer: IBalancer = lb;
    balancer.addPool('web', { port: 8080 });
    balancer.addNodes('web', ['10.0.0.5:8080', '10.0.0.6:8080', '10.0.0.5:8080']);
    expect(balancer.getNodes('web')).toEqual(['10.0.0.5:8080', '10.0.0.6:8080']);
    balancer.deleteNodes('web', ['10.0.0.5:8080']);
    expect(balancer.getNodes('web')).toEqual(['10.0.0.6:8080']);
    // The seed contract: a missing pool is created by addNodes (test/core/node-contract.test.ts).
    balancer.addNodes('api', ['10.0.0.5:80']);
    expect(balancer.pools.map((p) => [p.name, p.port])).toEqual([
      ['web', 8080],
      ['api', 80],
    ]);
    expect(() => balancer.addNodes('web', ['app.internal:8080'])).toThrow(
      /member address "app.internal" is not allowed/,
    );
  });
});

describe('OctaviaBalancer: listeners, pools, L7 and the dependency chain', () => {
  const json = synthOf((f) => {
    const web = f.lb.addPool('web', { port: 8080, healthCheck: { active: { path: '/health' } } });
    const api = f.lb.addPool('api', { port: 9090, stickiness: Stickiness.appCookie('JSESSIONID') });
    const ws = f.lb.addPool('ws', { port: 9000, algorithm: Algorithm.sourceIp() });
    f.lb.addListener('https', {
      port: 443,
      tls: {
        certificate: BARBICAN,
        versions: ['TLSv1.2', 'TLSv1.3'],
        hstsMaxAgeSeconds: 31536000,
        redirectFromPort: 80,
      },
      redirectPrefix: 'https://www.example.org',
      defaultPool: web,
      allowedCidrs: ['0.0.0.0/0'],
      rules: [
        { pool: api, pathPrefix: '/api/', hostName: 'www.example.org' },
        { pool: ws, websocket: true },
        { pool: api, header: { name: 'X-Env', value: 'beta' } },
      ],
    });
    f.lb.addListener('internal', { port: 8081, defaultPool: web });
    f.lb.addMetricsListener('metrics', { port: 9100 });
  });
  const get = (type: string, part: string) => byId(json, type, part);

  it('is schema-clean', () => {
    expect(tfcheckProblems(json)).toBe('');
  });

  it('terminates TLS with the Barbican container, TLS versions and HSTS', () => {
    expect(get('openstack_lb_listener_v2', 'Listener-https')).toMatchObject({
      protocol: 'TERMINATED_HTTPS',
      protocol_port: 443,
      default_tls_container_ref: BARBICAN.containerRef,
      tls_versions: ['TLSv1.2', 'TLSv1.3'],
      hsts_max_age: 31536000,
    });
  });

  it('redirects HTTP:80 to the HTTPS site with a REDIRECT_PREFIX policy matching every path', () => {
    const redirect = get('openstack_lb_listener_v2', 'Redirect-https');
    const policy = get('openstack_lb_l7policy_v2', 'Redirect-https-Policy');
    expect(redirect).toMatchObject({ protocol: 'HTTP', protocol_port: 80, allowed_cidrs: ['0.0.0.0/0'] });
    expect(policy).toMatchObject({
      listener_id: ref(redirect),
      action: 'REDIRECT_PREFIX',
      redirect_prefix: 'https://www.example.org',
      redirect_http_code: 301,
      position: 1,
    });
    expect(get('openstack_lb_l7rule_v2', 'Redirect-https-Rule')).toMatchObject({
      l7policy_id: ref(policy),
      type: 'PATH',
      compare_type: 'STARTS_WITH',
      value: '/',
    });
    expect(
      rules(json, 'Lb_SecurityGroup')
        .map((r) => r.port_range_min)
        .sort(),
    ).toEqual([443, 80, 8081, 9100].sort());
  });

  it('writes one REDIRECT_TO_POOL policy per rule, in order, with its conditions as rules', () => {
    const first = get('openstack_lb_l7policy_v2', 'Policy-https-to-api-path-api-host-www_example_org');
    expect(first).toMatchObject({
      action: 'REDIRECT_TO_POOL',
      position: 1,
      redirect_pool_id: ref(get('openstack_lb_pool_v2', 'Pool-api')),
      listener_id: ref(get('openstack_lb_listener_v2', 'Listener-https')),
    });
    expect(
      get('openstack_lb_l7rule_v2', 'Policy-https-to-api-path-api-host-www_example_org-Path'),
    ).toMatchObject({
      type: 'PATH',
      compare_type: 'STARTS_WITH',
      value: '/api/',
    });
    expect(
      get('openstack_lb_l7rule_v2', 'Policy-https-to-api-path-api-host-www_example_org-Host'),
    ).toMatchObject({
      type: 'HOST_NAME',
      compare_type: 'EQUAL_TO',
      value: 'www.example.org',
    });
    expect(get('openstack_lb_l7policy_v2', 'Policy-https-to-ws-websocket').position).toBe(2);
    expect(get('openstack_lb_l7rule_v2', 'Policy-https-to-ws-websocket-Websocket')).toMatchObject({
      type: 'HEADER',
      key: 'Upgrade',
      compare_type: 'EQUAL_TO',
      value: 'websocket',
    });
    expect(get('openstack_lb_l7rule_v2', 'Policy-https-to-api-header-X_Env-beta-Header')).toMatchObject({
      type: 'HEADER',
      key: 'X-Env',
      value: 'beta',
    });
  });

  it('puts a rule-only pool on the load balancer and a shared default pool on its first listener', () => {
    const lb = get('openstack_lb_loadbalancer_v2', 'Lb');
    const web = get('openstack_lb_pool_v2', 'Pool-web');
    expect(web.listener_id).toBe(ref(get('openstack_lb_listener_v2', 'Listener-https')));
    expect(get('openstack_lb_listener_v2', 'Listener-internal').default_pool_id).toBe(ref(web));
    expect(get('openstack_lb_pool_v2', 'Pool-api')).toMatchObject({
      loadbalancer_id: ref(lb),
      persistence: { type: 'APP_COOKIE', cookie_name: 'JSESSIONID' },
    });
    expect(get('openstack_lb_pool_v2', 'Pool-ws')).toMatchObject({ lb_method: 'SOURCE_IP' });
  });

  it('chains every child of the load balancer: listeners with their pools, then rule pools, then policies', () => {
    // Follow depends_on backwards from the last element; every child must be on the one chain.
    const all = new Map<string, Resource>();
    for (const type of Object.keys(json.resource ?? {})) {
      if (!type.startsWith('openstack_lb_') || type === 'openstack_lb_loadbalancer_v2') continue;
      for (const [name, r] of Object.entries(resourcesOf(json, type))) all.set(`${type}.${name}`, r);
    }
    const next = new Map<string, string>();
    for (const [address, r] of all) {
      const deps = (r.depends_on as string[] | undefined) ?? [];
      expect(deps.length).toBeLessThanOrEqual(1);
      if (deps[0]) next.set(deps[0], address);
    }
    const heads = [...all.keys()].filter((a) => !all.get(a)?.depends_on);
    expect(heads).toHaveLength(1);
    const order: string[] = [];
    for (let at: string | undefined = heads[0]; at; at = next.get(at))
      order.push(at.replace(/^openstack_lb_|_[0-9A-F]{8}$/g, ''));
    expect(order).toEqual([
      'listener_v2.Lb_Listener-https',
      'pool_v2.Lb_Pool-web',
      'members_v2.Lb_Members-web',
      'monitor_v2.Lb_Monitor-web',
      'listener_v2.Lb_Redirect-https',
      'listener_v2.Lb_Listener-internal',
      'listener_v2.Lb_Listener-metrics',
      'pool_v2.Lb_Pool-api',
      'members_v2.Lb_Members-api',
      'pool_v2.Lb_Pool-ws',
      'members_v2.Lb_Members-ws',
      'l7policy_v2.Lb_Policy-https-to-api-path-api-host-www_example_org',
      'l7rule_v2.Lb_Policy-https-to-api-path-api-host-www_example_org-Path',
      'l7rule_v2.Lb_Policy-https-to-api-path-api-host-www_example_org-Host',
      'l7policy_v2.Lb_Policy-https-to-ws-websocket',
      'l7rule_v2.Lb_Policy-https-to-ws-websocket-Websocket',
      'l7policy_v2.Lb_Policy-https-to-api-header-X_Env-beta',
      'l7rule_v2.Lb_Policy-https-to-api-header-X_Env-beta-Header',
      'l7policy_v2.Lb_Redirect-https-Policy',
      'l7rule_v2.Lb_Redirect-https-Rule',
    ]);
    expect(order).toHaveLength(all.size);
  });

  it('inserts X-Forwarded-For and -Proto on HTTP-level listeners only', () => {
    expect(get('openstack_lb_listener_v2', 'Listener-internal').insert_headers).toEqual({
      'X-Forwarded-For': 'true',
      'X-Forwarded-Proto': 'true',
    });
    expect(get('openstack_lb_listener_v2', 'Listener-metrics')).toMatchObject({ protocol: 'PROMETHEUS' });
    expect(get('openstack_lb_listener_v2', 'Listener-metrics').insert_headers).toBeUndefined();
  });

  it('uses the ovn defaults: TCP pool, SOURCE_IP_PORT, TCP listener and monitor, no allowed_cidrs', () => {
    const ovn = synthOf((f) => {
      const web = f.lb.addPool('web', { port: 8080, healthCheck: { active: {} } });
      f.lb.addListener('main', { port: 80, defaultPool: web });
    }, 'ovn');
    expect(byId(ovn, 'openstack_lb_loadbalancer_v2', 'Lb').loadbalancer_provider).toBe('ovn');
    expect(byId(ovn, 'openstack_lb_pool_v2', 'Pool-web')).toMatchObject({
      protocol: 'TCP',
      lb_method: 'SOURCE_IP_PORT',
    });
    const listener = byId(ovn, 'openstack_lb_listener_v2', 'Listener-main');
    expect(listener.protocol).toBe('TCP');
    expect(listener.allowed_cidrs).toBeUndefined();
    expect(listener.insert_headers).toBeUndefined();
    expect(byId(ovn, 'openstack_lb_monitor_v2', 'Monitor-web')).toMatchObject({ type: 'TCP' });
    expect(byId(ovn, 'openstack_lb_monitor_v2', 'Monitor-web').url_path).toBeUndefined();
    expect(tfcheckProblems(ovn)).toBe('');
  });
});

/** The message of building on a fresh amphora balancer (or of `driver`), '' when it succeeds. */
function failure(build: (f: Fixture) => void, driver: OctaviaDriver = 'amphora', props = {}): string {
  try {
    const f = fixture(Testing.app(), driver, props);
    build(f);
    Testing.synth(f.stack, true);
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('OctaviaBalancer: validation', () => {
  it('fails on an unknown driver', () => {
    expect(failure(() => undefined, 'f5' as OctaviaDriver)).toBe(
      'octavia/Lb: driver "f5" is not allowed; allowed: "amphora" or "ovn". Fix: use the provider name `openstack loadbalancer provider list` shows',
    );
  });

  it('fails on a VIP subnet whose CIDR is unknown', () => {
    const stack = new TerraformStack(Testing.app(), 'octavia');
    expect(() => new OctaviaBalancer(stack, 'Lb', { network: Network.fromId('net-1', 'subnet-1') })).toThrow(
      /^octavia\/Lb: VIP subnet cidr "" is not allowed; allowed: a known CIDR or a Terraform reference to the subnet's cidr\. Fix: the amphorae reach members from the VIP subnet/,
    );
  });

  it('fails on a vipAddress outside the subnet', () => {
    expect(failure(() => undefined, 'amphora', { vipAddress: '10.0.1.5' })).toBe(
      'octavia/Lb: vipAddress "10.0.1.5" is not allowed; allowed: an address inside the VIP subnet 10.0.0.0/24. Fix: give a free address of the subnet, or leave vipAddress out',
    );
  });

  it('fails on a pool protocol the listener cannot use', () => {
    expect(
      failure((f) =>
        f.lb.addListener('main', {
          port: 80,
          defaultPool: f.lb.addPool('web', { port: 80, protocol: 'tcp' }),
        }),
      ),
    ).toBe(
      'octavia/Lb listener \'main\': defaultPool \'web\' of protocol "TCP" is not allowed; allowed: pools of protocol HTTP, PROXY, PROXYV2 behind a HTTP listener. Fix: give the pool protocol "http" (the balancer speaks plain HTTP to members after terminating TLS)',
    );
    expect(
      failure((f) =>
        f.lb.addListener('main', {
          port: 53,
          protocol: 'udp',
          defaultPool: f.lb.addPool('dns', { port: 53, protocol: 'tcp' }),
        }),
      ),
    ).toMatch(
      /defaultPool 'dns' of protocol "TCP" is not allowed; allowed: pools of protocol UDP behind a UDP listener/,
    );
    expect(
      failure((f) =>
        f.lb.addListener('main', {
          port: 443,
          tls: { certificate: BARBICAN },
          defaultPool: f.lb.addPool('web', { port: 443, protocol: 'https' }),
        }),
      ),
    ).toMatch(
      /defaultPool 'web' of protocol "HTTPS" is not allowed; allowed: pools of protocol HTTP, PROXY, PROXYV2 behind a TERMINATED_HTTPS listener/,
    );
  });

  it('fails on a rule pool the listener cannot use', () => {
    expect(
      failure((f) =>
        f.lb.addListener('main', {
          port: 80,
          defaultPool: f.lb.addPool('web', { port: 80 }),
          rules: [{ pool: f.lb.addPool('raw', { port: 81, protocol: 'tcp' }), pathPrefix: '/raw/' }],
        }),
      ),
    ).toMatch(/^octavia\/Lb listener 'main' rule 1: pool 'raw' of protocol "TCP" is not allowed/);
  });

  it('fails on cookie stickiness on an https pool', () => {
    expect(
      failure((f) =>
        f.lb.addPool('web', { port: 443, protocol: 'https', stickiness: Stickiness.insertCookie() }),
      ),
    ).toBe(
      'octavia/Lb pool \'web\': cookie stickiness on a pool of protocol "https" is not allowed; allowed: protocol "http" (the amphora must read the HTTP stream to see cookies). Fix: terminate TLS at the listener and use an http pool, or use Stickiness.sourceIp()',
    );
  });

  it('fails on an inserted cookie with a name or a max-age', () => {
    expect(failure((f) => f.lb.addPool('web', { port: 80, stickiness: Stickiness.insertCookie('LB') }))).toBe(
      'octavia/Lb pool \'web\': insert-cookie options (Octavia) "insert-cookie(LB)" is not allowed; allowed: Stickiness.insertCookie() without name or maxAge (Octavia inserts a session cookie named SRV). Fix: use Stickiness.insertCookie(), or HaproxyBalancer for a named or long-lived cookie',
    );
    expect(
      failure((f) =>
        f.lb.addPool('web', {
          port: 80,
          stickiness: Stickiness.insertCookie('SERVERID', { maxAgeSeconds: 60 }),
        }),
      ),
    ).toMatch(
      /insert-cookie options \(Octavia\) "insert-cookie\(SERVERID\) maxAgeSeconds 60" is not allowed/,
    );
  });

  it('fails on a path on a TCP monitor', () => {
    expect(
      failure((f) =>
        f.lb.addPool('web', { port: 80, healthCheck: { active: { protocol: 'tcp', path: '/health' } } }),
      ),
    ).toBe(
      'octavia/Lb pool \'web\': healthCheck.active.path on a TCP monitor "/health" is not allowed; allowed: path, method and expectedCodes only with an HTTP or HTTPS monitor. Fix: drop healthCheck.active.path, or set healthCheck.active.protocol "http"',
    );
  });

  it('fails on expected codes mixing a list and a range', () => {
    expect(
      failure((f) =>
        f.lb.addPool('web', { port: 80, healthCheck: { active: { expectedCodes: '200-299,302' } } }),
      ),
    ).toBe(
      'octavia/Lb pool \'web\': healthCheck.active.expectedCodes (Octavia) "200-299,302" is not allowed; allowed: one code, a list or one range: "200", "200,204", "200-399" (Octavia does not mix lists and ranges). Fix: write a single range or a list of codes',
    );
  });

  it('fails on fractional monitor seconds', () => {
    expect(
      failure((f) =>
        f.lb.addPool('web', {
          port: 80,
          healthCheck: { active: { intervalSeconds: 2.5, timeoutSeconds: 1 } },
        }),
      ),
    ).toBe(
      "octavia/Lb pool 'web': healthCheck.active.intervalSeconds 2.5 is not allowed; allowed: an integer from 1 to 86400. Fix: Octavia monitors count whole seconds: round it, e.g. 5",
    );
  });

  it('fails on an HTTPS monitor on a UDP pool', () => {
    expect(
      failure((f) =>
        f.lb.addPool('dns', { port: 53, protocol: 'udp', healthCheck: { active: { protocol: 'https' } } }),
      ),
    ).toMatch(
      /^octavia\/Lb pool 'dns': health monitor type on a udp pool "HTTPS" is not allowed; allowed: UDP-CONNECT \(the default\), TCP or HTTP/,
    );
  });

  it('fails on a proxyProtocol version other than v1 or v2', () => {
    expect(
      failure((f) => f.lb.addPool('web', { port: 80, protocol: 'tcp', proxyProtocol: 'v3' as 'v1' })),
    ).toBe(
      'octavia/Lb pool \'web\': proxyProtocol "v3" is not allowed; allowed: "v1" (PROXY) or "v2" (PROXYV2). Fix: choose the PROXY protocol version your members parse',
    );
  });

  it('fails on a blank floatingIpPool', () => {
    expect(failure(() => undefined, 'amphora', { floatingIpPool: '  ' })).toBe(
      'octavia/Lb: floatingIpPool "  " is not allowed; allowed: the name of an external network, e.g. "public". Fix: see `openstack network list --external`, or leave floatingIpPool out',
    );
  });

  it('fails on proxyProtocol with a udp pool', () => {
    expect(failure((f) => f.lb.addPool('dns', { port: 53, protocol: 'udp', proxyProtocol: 'v1' }))).toMatch(
      /proxyProtocol with pool protocol "udp" is not allowed; allowed: protocol "http" or "tcp"/,
    );
  });

  const rule = (f: Fixture, r: Record<string, unknown>, more: Record<string, unknown>[] = []) => {
    const web = f.lb.addPool('web', { port: 80 });
    const api = f.lb.addPool('api', { port: 81 });
    f.lb.addListener('main', {
      port: 80,
      defaultPool: web,
      rules: [{ pool: api, ...r }, ...more.map((m) => ({ pool: api, ...m }))],
    });
  };

  it('fails on a header rule without a value', () => {
    expect(failure((f) => rule(f, { header: { name: 'X-Beta' } }))).toBe(
      'octavia/Lb listener \'main\' rule 1: header rule without a value (Octavia) "X-Beta" is not allowed; allowed: a header name with a value: Octavia compares the value (HEADER EQUAL_TO). Fix: give header: { name: "X-Beta", value: "…" }, or use NginxBalancer/HaproxyBalancer to match presence',
    );
  });

  it('fails on a header value with spaces', () => {
    expect(failure((f) => rule(f, { header: { name: 'X-Env', value: 'a b' } }))).toMatch(
      /rule 1: header value "a b" is not allowed; allowed: visible ASCII characters without spaces/,
    );
  });

  it('fails on two identical rules', () => {
    expect(failure((f) => rule(f, { pathPrefix: '/api/' }, [{ pathPrefix: '/api/' }]))).toBe(
      'octavia/Lb listener \'main\' rule 2: rule "to-api-path-api" is not allowed; allowed: rules that differ in pool or condition. Fix: drop the duplicate rule (the first one already matches these requests)',
    );
  });

  const tls = (f: Fixture, t: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    f.lb.addListener('main', {
      port: 443,
      tls: { certificate: BARBICAN, ...t },
      defaultPool: f.lb.addPool('web', { port: 80 }),
      ...extra,
    });

  it('fails on a redirect without redirectPrefix', () => {
    expect(failure((f) => tls(f, { redirectFromPort: 80 }))).toBe(
      "octavia/Lb listener 'main': redirectPrefix (not set) is not allowed; allowed: the scheme and host of the HTTPS site, e.g. \"https://www.example.org\" (no path). Fix: give redirectPrefix: Octavia's REDIRECT_PREFIX prepends it to the request path and cannot reuse the request's host",
    );
  });

  it('fails on a redirectPrefix with a path, or without a redirect', () => {
    expect(
      failure((f) => tls(f, { redirectFromPort: 80 }, { redirectPrefix: 'https://www.example.org/app' })),
    ).toMatch(/redirectPrefix "https:\/\/www.example.org\/app" is not allowed/);
    expect(failure((f) => tls(f, {}, { redirectPrefix: 'https://www.example.org' }))).toMatch(
      /redirectPrefix "https:\/\/www.example.org" is not allowed; allowed: only together with tls.redirectFromPort/,
    );
  });

  it('fails on HSTS options without hstsMaxAgeSeconds', () => {
    expect(failure((f) => tls(f, {}, { hstsPreload: true }))).toBe(
      "octavia/Lb listener 'main': hstsPreload true is not allowed; allowed: together with tls.hstsMaxAgeSeconds. Fix: set tls.hstsMaxAgeSeconds, e.g. 31536000",
    );
  });

  it('fails on TLS versions on a passthrough listener', () => {
    expect(
      failure((f) =>
        f.lb.addListener('main', {
          port: 443,
          protocol: 'tcp',
          tls: { mode: 'passthrough', versions: ['TLSv1.3'] },
          defaultPool: f.lb.addPool('web', { port: 443, protocol: 'tcp' }),
        }),
      ),
    ).toBe(
      'octavia/Lb listener \'main\': tls.versions on a listener of protocol "HTTPS" is not allowed; allowed: a TLS-terminating listener (TERMINATED_HTTPS); a passthrough listener never sees TLS. Fix: drop tls.versions, or terminate TLS at the balancer (tls.certificate with a Barbican container)',
    );
  });

  it('fails on tlsCiphers with spaces', () => {
    expect(failure((f) => tls(f, {}, { tlsCiphers: 'ECDHE-RSA-AES256-GCM-SHA384 AES' }))).toMatch(
      /tlsCiphers "ECDHE-RSA-AES256-GCM-SHA384 AES" is not allowed; allowed: an OpenSSL cipher string/,
    );
  });

  it('fails on insertHeaders on a TCP listener', () => {
    expect(
      failure((f) =>
        f.lb.addListener('main', {
          port: 80,
          protocol: 'tcp',
          insertHeaders: { forwardedFor: true },
          defaultPool: f.lb.addPool('web', { port: 80, protocol: 'tcp' }),
        }),
      ),
    ).toBe(
      'octavia/Lb listener \'main\': insertHeaders on a listener of protocol "TCP" is not allowed; allowed: HTTP or TERMINATED_HTTPS listeners (the amphora must parse HTTP to insert headers). Fix: drop insertHeaders, or use proxyProtocol on the pool to pass the client address on layer 4',
    );
  });

  it('fails on an IPv6 allowed CIDR for an IPv4 VIP', () => {
    expect(
      failure((f) =>
        f.lb.addListener('main', {
          port: 80,
          defaultPool: f.lb.addPool('web', { port: 80 }),
          allowedCidrs: ['0.0.0.0/0', '::/0'],
        }),
      ),
    ).toBe(
      'octavia/Lb listener \'main\': allowedCidrs entry "::/0" is not allowed; allowed: IPv4 CIDRs (the VIP 10.0.0.0/24 is IPv4; Octavia refuses other families). Fix: drop the IPv6 entries, or put the balancer on a dual-stack VIP',
    );
  });

  it('fails on an IPv6 member of an IPv4 VIP in a UDP pool, or on ovn', () => {
    expect(
      failure((f) => f.lb.addPool('dns', { port: 53, protocol: 'udp' }).addNodes(['[2001:db8::5]:53'])),
    ).toBe(
      "octavia/Lb pool 'dns': member address \"[2001:db8::5]\" is not allowed; allowed: an IPv4 address, like the VIP subnet 10.0.0.0/24 (Octavia in UDP pools cannot mix IPv4 and IPv6). Fix: give members of the VIP's IP version, or put IPv6 members behind an IPv6 VIP",
    );
    expect(failure((f) => f.lb.addPool('web', { port: 80 }).addNodes(['[2001:db8::5]:80']), 'ovn')).toMatch(
      /allowed: an IPv4 address, like the VIP subnet 10\.0\.0\.0\/24 \(the ovn driver cannot mix IPv4 and IPv6\)/,
    );
    expect(failure((f) => f.lb.addPool('web', { port: 80 }).addNodes(['[2001:db8::5]:80']))).toBe('');
  });

  it('GIVEN pools with their own timeouts THEN the listener that reaches them gets the longest as its member timeouts, and its own timeouts win', () => {
    const json = synthOf((f) => {
      const web = f.lb.addPool('web', { port: 80, timeouts: { connectSeconds: 2, responseSeconds: 10 } });
      const slow = f.lb.addPool('slow', { port: 81, timeouts: { responseSeconds: 600 } });
      f.lb.addListener('main', {
        port: 80,
        defaultPool: web,
        rules: [{ pool: slow, pathPrefix: '/climate' }],
      });
      const other = f.lb.addPool('other', { port: 82, timeouts: { responseSeconds: 5 } });
      f.lb.addListener('own', { port: 8080, defaultPool: other, timeouts: { memberDataSeconds: 7 } });
    });
    const main = byId(json, 'openstack_lb_listener_v2', 'Listener-main');
    expect([main.timeout_member_connect, main.timeout_member_data]).toEqual([2000, 600000]);
    const own = byId(json, 'openstack_lb_listener_v2', 'Listener-own');
    expect([own.timeout_member_connect, own.timeout_member_data]).toEqual([undefined, 7000]);
    expect(tfcheckProblems(json)).toBe('');
  });

  it('fails on a timeout beyond 24 days and a connection limit of 0', () => {
    const listen = (f: Fixture, extra: Record<string, unknown>) =>
      f.lb.addListener('main', { port: 80, defaultPool: f.lb.addPool('web', { port: 80 }), ...extra });
    expect(failure((f) => listen(f, { timeouts: { clientDataSeconds: 3e6 } }))).toBe(
      "octavia/Lb listener 'main': timeouts.clientDataSeconds 3000000 is not allowed; allowed: seconds from 0 to 2073600 (24 days, Octavia's maximum). Fix: give the timeout in seconds, e.g. 50 or 0.5",
    );
    expect(failure((f) => listen(f, { connectionLimit: 0 }))).toMatch(
      /connectionLimit 0 is not allowed; allowed: an integer from 1 to 2147483647/,
    );
  });

  it('fails on a metrics listener on a port or id already in use', () => {
    const f = fixture(Testing.app(), 'amphora');
    f.lb.addListener('main', { port: 80, defaultPool: f.lb.addPool('web', { port: 80 }) });
    expect(() => f.lb.addMetricsListener('metrics', { port: 80 })).toThrow(
      "octavia/Lb listener 'metrics': port 80 is not allowed; allowed: a port no other listener of this balancer uses (in use: 80). Fix: give each listener its own port",
    );
    expect(() => f.lb.addMetricsListener('main', { port: 9100 })).toThrow(
      /listener id "main" is not allowed; allowed: a name not yet used/,
    );
    f.lb.addMetricsListener('metrics', { port: 9100 });
    expect(() => f.lb.addListener('metrics', { port: 81, defaultPool: f.lb.pools[0] })).toThrow(
      /listener id "metrics" is not allowed/,
    );
    expect(() => f.lb.addListener('other', { port: 9100, defaultPool: f.lb.pools[0] })).toThrow(
      /listener 'other': port 9100 is not allowed; allowed: a port no other listener of this balancer uses/,
    );
  });

  it('fails on a listener whose default pool belongs to another balancer', () => {
    const other = fixture(Testing.app(), 'amphora').lb.addPool('web', { port: 80 });
    expect(failure((f) => f.lb.addListener('main', { port: 80, defaultPool: other }))).toMatch(
      /defaultPool "web" is not allowed; allowed: a pool of this balancer/,
    );
  });
});
