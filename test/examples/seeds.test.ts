import { App, TerraformStack } from '../../lib/core/cdk';
import { IBalancer } from '../../lib/core/balancer';
import { EXAMPLE_STACKS } from '../../stacks';
import { VelociraptorStack } from '../../examples/velociraptor';
import { NginxBalancer } from '../../lib/openstack/nginx-balancer';
import { StackJson, resourcesOf, tfcheckProblems } from '../support/synth';
import { manifestOf, resourcesNamed, synthWithManifests } from '../e2e/balancer-fixture';

/**
 * The facts each seed write-up states, on the synthesized examples (the daemons' own checks of
 * the same files are in test/e2e/balancer-configs.test.ts).
 */

const SEEDS = [
  'visa',
  'velociraptor',
  'jetstream2-octavia-least-connections',
  'jetstream2-octavia-source-ip',
  'nsboot-nginx',
];

const built: Record<string, TerraformStack> = {};
function example(name: string): StackJson {
  const entry = EXAMPLE_STACKS.find((s) => s.name === name);
  if (!entry) throw new Error(`${name} is not registered in stacks/index.ts`);
  return synthWithManifests((app: App) => {
    entry.build(app, name);
    built[name] = app.node.findChild(name) as TerraformStack;
    return built[name];
  });
}
const stacks = Object.fromEntries(SEEDS.map((n) => [n, example(n)]));

/** The files pushed to host `host` of a stack, by path. */
function pushed(json: StackJson, host: string): Record<string, { content: string; createOnly?: boolean }> {
  const files: Record<string, { content: string; createOnly?: boolean }> = {};
  for (const data of Object.values(resourcesOf(json, 'terraform_data'))) {
    const manifest = manifestOf(data);
    if (manifest.host === host) for (const f of manifest.files) files[f.path] = f;
  }
  return files;
}

/** Every ingress rule open to the whole internet, as `protocol/port`. */
function worldOpen(json: StackJson): string[] {
  return Object.values(resourcesOf(json, 'openstack_networking_secgroup_rule_v2'))
    .filter(
      (r) =>
        r.direction === 'ingress' && (r.remote_ip_prefix === '0.0.0.0/0' || r.remote_ip_prefix === '::/0'),
    )
    .map((r) => `${String(r.protocol)}/${String(r.port_range_min)}-${String(r.port_range_max)}`);
}

/** The ingress rules of the group whose logical name starts with `prefix`. */
function ingressOf(json: StackJson, prefix: string): Array<Record<string, unknown>> {
  return resourcesNamed(json, 'openstack_networking_secgroup_rule_v2', prefix)
    .map(([, r]) => r)
    .filter((r) => r.direction === 'ingress');
}

describe('the seed examples', () => {
  it.each(SEEDS)('%s synthesizes with validations and is tfcheck-clean', (name) => {
    expect(tfcheckProblems(stacks[name])).toBe('');
  });

  it.each(SEEDS)('%s: nothing but listener ports faces the internet', (name) => {
    const listenerPorts = name === 'velociraptor' ? ['tcp/80-80'] : ['tcp/80-80'];
    expect([...new Set(worldOpen(stacks[name]))]).toEqual(listenerPorts);
  });
});

describe('visa: one stack, as visa-load-balancing.md', () => {
  const json = stacks.visa;
  const apps = resourcesNamed(json, 'openstack_compute_instance_v2', 'Visa_Workers_');

  it('two app hosts on different hypervisors', () => {
    expect(apps.map(([, i]) => i.name)).toEqual(['visa-1', 'visa-2']);
    expect(resourcesNamed(json, 'openstack_compute_servergroup_v2', 'Visa_Workers_')).toEqual([
      [expect.any(String), expect.objectContaining({ policies: ['anti-affinity'] })],
    ]);
  });

  it('exactly one primary: the scheduler and the start-up cleanup on visa-1 only', () => {
    const data = apps.map(([, i]) => String(i.user_data));
    const primaries = data.filter((d) => d.includes("VISA_SCHEDULER_ENABLED='true'"));
    expect(primaries).toHaveLength(1);
    expect(primaries[0]).toContain("VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP='true'");
    const secondary = data.find((d) => d !== primaries[0]) ?? '';
    expect(secondary).toContain("VISA_SCHEDULER_ENABLED='false'");
    expect(secondary).toContain("VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP='false'");
  });

  it('Redis URL, password and database reach every app host as env; 6379 from the app hosts only', () => {
    for (const [, instance] of apps) {
      const text = String(instance.user_data);
      for (const v of ['VISA_VDI_REDIS_URL=', 'VISA_VDI_REDIS_PASSWORD=', 'VISA_VDI_REDIS_DATABASE=']) {
        expect(text).toContain(v);
      }
    }
    const redisIngress = ingressOf(json, 'Visa_Redis_');
    expect(redisIngress.filter((r) => r.port_range_min === 6379)).toEqual([
      expect.objectContaining({ remote_group_id: expect.stringContaining('Visa_Workers_SecurityGroup') }),
    ]);
    expect(redisIngress.every((r) => r.remote_ip_prefix === undefined || r.port_range_min === 22)).toBe(true);
  });

  it('an nginx round-robin host alternates between the two; websockets pass through; 8080 from the balancer only', () => {
    const files = pushed(json, 'visa-lb');
    const pool = files['/etc/nginx/webfarm/pools/visa.conf'].content;
    expect(pool.match(/^\s+server .*:8080 /gm)).toHaveLength(2);
    expect(pool).not.toMatch(/least_conn|ip_hash|hash |random/);
    const listener = files['/etc/nginx/webfarm/listeners/http.conf'].content;
    expect(listener).toContain('listen 80;');
    expect(listener).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(listener).toContain('proxy_set_header Connection $connection_upgrade;');
    const appIngress = ingressOf(json, 'Visa_Workers_').filter((r) => r.port_range_min === 8080);
    expect(appIngress).toEqual([
      expect.objectContaining({
        remote_group_id: expect.stringContaining('Visa_Balancer_Hosts_SecurityGroup'),
      }),
    ]);
  });
});

describe('velociraptor: several named balancers, the seed contract, one nginx file per pool', () => {
  const json = stacks.velociraptor;
  const stack = built.velociraptor as VelociraptorStack;

  it('three balancers by name: the dummy one, nginx and HAProxy, each with the swarms made by addNodes', () => {
    const balancers: Readonly<Record<string, IBalancer>> = stack.balancers;
    expect(Object.keys(balancers)).toEqual(['default', 'my_nginx_balancer', 'my_haproxy_balancer']);
    for (const lb of Object.values(balancers)) {
      expect(lb.getNodes('hello-swarm')).toEqual(['10.0.0.5:5000', '10.0.0.6:5000']);
      expect(lb.getNodes('api-swarm')).toEqual(['10.0.0.7:5001']);
      expect(lb.getNodes('no-such-swarm')).toEqual([]);
      expect(lb.pools.map((p) => [p.name, p.port, p.options.runtimeManaged])).toEqual([
        ['hello-swarm', 5000, true],
        ['api-swarm', 5001, true],
      ]);
    }
    // The dummy balancer creates nothing: every instance is nginx's or HAProxy's.
    expect(Object.values(resourcesOf(json, 'openstack_compute_instance_v2')).map((i) => i.name)).toEqual([
      'frontend1',
      'haproxy1',
    ]);
  });

  it('nginx: one file per pool, created once and then left to the deployment tool', () => {
    const files = pushed(json, 'frontend1');
    const pushedNow = (stack.balancers.my_nginx_balancer as NginxBalancer).configFiles();
    for (const [pool, port] of [
      ['hello-swarm', 5000],
      ['api-swarm', 5001],
    ] as const) {
      const file = files[`/etc/nginx/webfarm/pools/${pool}.conf`];
      expect(pushedNow.find((f) => f.path === `/etc/nginx/webfarm/pools/${pool}.conf`)?.createOnly).toBe(
        true,
      );
      expect(file.content).toContain(`upstream ${pool} {`);
      expect(file.content.match(new RegExp(`server [0-9.]+:${port}`, 'g'))?.length).toBeGreaterThan(0);
    }
  });

  it("routing is the user's: the one host-name rule written in the stack", () => {
    const listener = pushed(json, 'frontend1')['/etc/nginx/webfarm/listeners/http.conf'].content;
    expect(listener).toContain("# rule 1: host api.example.org -> pool 'api-swarm'");
    const cfg = pushed(json, 'haproxy1')['/etc/haproxy/haproxy.cfg'].content;
    expect(cfg).toContain('api.example.org');
    expect(cfg).toMatch(/backend hello-swarm/);
  });
});

describe.each([
  ['jetstream2-octavia-least-connections', 'LEAST_CONNECTIONS'],
  ['jetstream2-octavia-source-ip', 'SOURCE_IP'],
])('%s: the guide with %s and an external member', (name, method) => {
  const json = stacks[name];

  it(`pool ${method} on HTTP:80, two workers and the external member on port 80, an HTTP monitor`, () => {
    const [pool] = Object.values(resourcesOf(json, 'openstack_lb_pool_v2'));
    expect(pool).toEqual(expect.objectContaining({ lb_method: method, protocol: 'HTTP' }));
    const [members] = Object.values(resourcesOf(json, 'openstack_lb_members_v2'));
    const list = members.member as Array<{ address: string; protocol_port: number }>;
    expect(list).toHaveLength(3);
    expect(list.every((m) => m.protocol_port === 80)).toBe(true);
    expect(list.map((m) => m.address)).toContain('203.0.113.10');
    const [monitor] = Object.values(resourcesOf(json, 'openstack_lb_monitor_v2'));
    expect(monitor).toEqual(expect.objectContaining({ type: 'HTTP', url_path: '/' }));
    const [listener] = Object.values(resourcesOf(json, 'openstack_lb_listener_v2'));
    expect(listener).toEqual(expect.objectContaining({ protocol: 'HTTP', protocol_port: 80 }));
    expect(Object.keys(resourcesOf(json, 'openstack_networking_floatingip_v2'))).toHaveLength(1);
  });
});

describe('nsboot-nginx: least_conn, weights 3/2/1, passive checks, keepalive, stub_status, NFS', () => {
  const json = stacks['nsboot-nginx'];
  const files = pushed(json, 'nsboot-lb');

  it('the upstream says what the write-up says', () => {
    const pool = files['/etc/nginx/webfarm/pools/nsboot.conf'].content;
    expect(pool).toContain('least_conn;');
    expect(pool).toContain('keepalive 32;');
    const servers = pool.split('\n').filter((l) => /^\s+server /.test(l));
    expect(servers).toHaveLength(3);
    expect(servers.map((l) => Number(/ weight=(\d+)/.exec(l)?.[1] ?? 1))).toEqual([3, 2, 1]);
    expect(servers.every((l) => l.includes('max_fails=3 fail_timeout=30s'))).toBe(true);
  });

  it('stub_status at /nginx_status answers localhost only', () => {
    const base = Object.values(resourcesOf(json, 'openstack_compute_instance_v2'))
      .map((i) => String(i.user_data))
      .find((d) => d.includes('stub_status'));
    expect(base).toBeDefined();
    expect(base).toMatch(
      /location = \/nginx_status \{[^}]*stub_status;[^}]*allow 127\.0\.0\.1;[^}]*deny all;/,
    );
  });

  it('the boot images: one NFS export mounted on every server, 2049 from the servers only', () => {
    const servers = resourcesNamed(json, 'openstack_compute_instance_v2', 'Nsboot_Workers_');
    expect(servers).toHaveLength(3);
    for (const [, s] of servers) expect(String(s.user_data)).toContain('/srv/images');
    expect(ingressOf(json, 'Nsboot_Files_').filter((r) => r.port_range_min === 2049)).toEqual([
      expect.objectContaining({ remote_group_id: expect.stringContaining('Nsboot_Workers_SecurityGroup') }),
    ]);
  });
});

describe('shared storage: NFS, and ZFS replication with the dataset exported over NFS', () => {
  const nfs = example('shared-storage-nfs');
  const zfs = example('shared-storage-zfs');

  it.each([
    ['shared-storage-nfs', nfs],
    ['shared-storage-zfs', zfs],
  ])('%s is tfcheck-clean and exposes nothing to the internet', (_name, json) => {
    expect(tfcheckProblems(json)).toBe('');
    expect(worldOpen(json)).toEqual([]);
  });

  it('nfs: one export of /srv/nfs/images mounted on the three servers, 2049 from them only', () => {
    const servers = resourcesNamed(nfs, 'openstack_compute_instance_v2', 'Nsboot_');
    expect(servers).toHaveLength(3);
    for (const [, s] of servers)
      expect(String(s.user_data)).toMatch(/:\/srv\/nfs\/images"\n\s+- "\/srv\/images"\n\s+- "nfs4"/);
    expect(ingressOf(nfs, 'Files_').filter((r) => r.port_range_min === 2049)).toEqual([
      expect.objectContaining({ remote_group_id: expect.stringContaining('Nsboot_SecurityGroup') }),
    ]);
  });

  it('zfs: the primary replicates nsboot0/images to two replicas and exports it over NFS (root_squash)', () => {
    const [, primary] = resourcesNamed(zfs, 'openstack_compute_instance_v2', 'Images_Primary_')[0];
    const data = String(primary.user_data);
    expect(data).toContain('webfarm-zfs-replicate.timer');
    expect(data).toMatch(/\/srv\/nsboot0\/images [^\n]*root_squash/);
    expect(data).toContain('nfs-kernel-server');
    expect(data).toContain('Requires=zfs-mount.service');
    expect(resourcesNamed(zfs, 'openstack_compute_instance_v2', 'Images_Replica-')).toHaveLength(2);
    for (const [, s] of resourcesNamed(zfs, 'openstack_compute_instance_v2', 'Nsboot_')) {
      expect(String(s.user_data)).toMatch(/:\/srv\/nsboot0\/images"\n\s+- "\/srv\/images"\n\s+- "nfs4"/);
    }
    const nfsRules = ingressOf(zfs, 'Images_PrimaryGroup').filter((r) => r.port_range_min === 2049);
    expect(nfsRules).toEqual([
      expect.objectContaining({ remote_group_id: expect.stringContaining('Nsboot_SecurityGroup') }),
    ]);
    expect(ingressOf(zfs, 'Images_ReplicaGroup').filter((r) => r.port_range_min === 2049)).toEqual([]);
  });
});

describe('nsboot-haproxy-tls: TLS, redirect, rate limit, admin stats, Prometheus, the keepalived pair', () => {
  const json = example('nsboot-haproxy-tls');
  const hosts = ['nsboot-lb-1', 'nsboot-lb-2'];

  it('is tfcheck-clean; only 80 (the redirect) and 443 face the internet; stats from the operators only', () => {
    expect(tfcheckProblems(json)).toBe('');
    expect([...new Set(worldOpen(json))].sort()).toEqual(['tcp/443-443', 'tcp/80-80']);
    const stats = ingressOf(json, 'Nsboot_Balancer_').filter((r) => r.port_range_min === 8404);
    expect(stats.map((r) => r.remote_ip_prefix)).toEqual(['198.51.100.0/24']);
  });

  it.each(hosts)(
    '%s: TLS on 443 with the delivered PEM, HTTP redirected, rate limited, leastconn + checks',
    (host) => {
      const cfg = pushed(json, host)['/etc/haproxy/haproxy.cfg'].content;
      expect(cfg).toMatch(/bind \S*:443 ssl crt \/etc\/haproxy\/certs\/site\.pem/);
      expect(cfg).toMatch(/bind \S*:80\n/);
      expect(cfg).toContain('http-request redirect location https://');
      expect(cfg).toContain('http_req_rate(1s)');
      expect(cfg).toMatch(/sc_http_req_rate\(0\) gt 20/);
      expect(cfg).toMatch(/backend nsboot\n(.*\n)*? {4}balance leastconn\n/);
      expect(cfg).toMatch(/backend websocket\n(.*\n)*? {4}balance source\n/);
      // The websocket route's pool inherits the service pool's check (the same app, same nodes).
      for (const backend of ['nsboot', 'websocket']) {
        const section = cfg.split(/\n(?=\S)/).find((s) => s.startsWith(`backend ${backend}\n`)) ?? '';
        expect(section).toContain('check inter 3s rise 2 fall 3');
        expect(section).toContain('http-check send meth GET uri /health');
      }
    },
  );

  it.each(hosts)(
    '%s: stats with admin actions behind the generated login, Prometheus at /metrics',
    (host) => {
      const cfg = pushed(json, host)['/etc/haproxy/haproxy.cfg'].content;
      expect(cfg).toContain('bind 0.0.0.0:8404');
      expect(cfg).toContain('http-request auth realm webfarm unless { http_auth(webfarm_stats) }');
      expect(cfg).toContain('stats admin if { http_auth(webfarm_stats) }');
      expect(cfg).toContain('http-request use-service prometheus-exporter if { path /metrics }');
      const outputs = Object.values(
        (json as { output?: Record<string, { sensitive?: boolean }> }).output ?? {},
      );
      expect(outputs.some((o) => o.sensitive === true)).toBe(true);
    },
  );

  it('the certificate travels with the push (owner root:haproxy, 0640), never in user data', () => {
    for (const host of hosts) {
      const delivery = resourcesNamed(json, 'terraform_data', 'Nsboot_Balancer_Hosts_')
        .map(([, d]) => manifestOf(d))
        .find((m) => m.host === host && m.files.some((f) => f.path === '/etc/haproxy/certs/site.pem'));
      const file = delivery?.files.find((f) => f.path === '/etc/haproxy/certs/site.pem');
      expect(file).toEqual(expect.objectContaining({ owner: 'root:haproxy', mode: '0640' }));
    }
    for (const [, instance] of Object.entries(resourcesOf(json, 'openstack_compute_instance_v2'))) {
      expect(String(instance.user_data)).not.toContain('site_pem');
      expect(String(instance.user_data)).not.toContain('site.pem');
    }
    expect(
      resourcesNamed(json, 'openstack_networking_port_v2', 'Nsboot_Balancer_Hosts_VirtualIp'),
    ).toHaveLength(1);
  });

  it("the pair admits SSH from the platform's bastion only, and the push jumps through it", () => {
    // Every host takes the administrators' keypair from the AdminAccess.
    const keys = Object.values(resourcesOf(json, 'openstack_compute_instance_v2')).map((r) => r.key_pair);
    expect(keys.length).toBe(6);
    expect(new Set(keys)).toEqual(new Set(['operators']));
    const ssh = ingressOf(json, 'Nsboot_Balancer_Hosts_SecurityGroup').filter((r) => r.port_range_min === 22);
    expect(ssh).toEqual([
      expect.objectContaining({
        remote_group_id: expect.stringContaining(
          'openstack_networking_secgroup_v2.Admin_Bastion_SecurityGroup_',
        ),
      }),
    ]);
    const pushes = resourcesNamed(json, 'terraform_data', 'Nsboot_Balancer_Hosts_');
    expect(pushes.length).toBeGreaterThanOrEqual(2);
    for (const [, data] of pushes) {
      expect(data.connection).toMatchObject({
        bastion_host: expect.stringContaining('openstack_networking_floatingip_v2.Admin_Bastion_FloatingIp_'),
      });
    }
  });
});

describe('renderer options on the constructs', () => {
  it('visa: the websocket read timeout is an hour', () => {
    const base = Object.values(resourcesOf(stacks.visa, 'openstack_compute_instance_v2'))
      .map((i) => String(i.user_data))
      .find((d) => d.includes('proxy_read_timeout'));
    expect(base).toContain('proxy_read_timeout 3600s;');
  });

  it('nsboot-nginx: worker_connections 4096 and a proxy cache on the listener', () => {
    const json = stacks['nsboot-nginx'];
    const base = Object.values(resourcesOf(json, 'openstack_compute_instance_v2'))
      .map((i) => String(i.user_data))
      .find((d) => d.includes('worker_connections'));
    expect(base).toContain('worker_connections 4096;');
    const listener = pushed(json, 'nsboot-lb')['/etc/nginx/webfarm/listeners/http.conf'].content;
    expect(listener).toMatch(/proxy_cache \S+_cache;/);
    expect(pushed(json, 'nsboot-lb')['/etc/nginx/webfarm/listeners/http.conf'].content).toContain(
      'proxy_cache_valid',
    );
  });
});
