import { AnnotationMetadataEntryType, App, TerraformStack } from '../../lib/core/cdk';
import { Algorithm, Stickiness } from '../../lib/core/balancing';
import { AdminAccess } from '../../lib/openstack/admin-access';
import { Network } from '../../lib/openstack/network';
import { NginxBalancer, NginxBalancerProps } from '../../lib/openstack/nginx-balancer';
import { resourcesOf, synthStack, tfcheckProblems } from '../support/synth';
import {
  ADMIN_CIDR,
  SUBNET,
  baseProps,
  buildBalancerStack,
  manifestOf,
  resourcesNamed,
  synthBalancer,
  synthWithManifests,
} from '../e2e/balancer-fixture';

type Body = Record<string, unknown>;

/** Ingress rules of the group whose resource name starts with `group`. */
function ingressOf(json: ReturnType<typeof synthBalancer>, group: string): Body[] {
  return Object.values(resourcesOf(json, 'openstack_networking_secgroup_rule_v2')).filter(
    (r) => r.direction === 'ingress' && String(r.security_group_id).includes(`.${group}`),
  );
}

function userDataOf(json: ReturnType<typeof synthBalancer>): string {
  const [[, instance]] = resourcesNamed(json, 'openstack_compute_instance_v2', 'Balancer_');
  return instance.user_data as string;
}

function nginxStack(props: Partial<ConstructorParameters<typeof NginxBalancer>[2]> = {}) {
  const stack = new TerraformStack(new App(), 's');
  const network = new Network(stack, 'Network', { cidr: SUBNET });
  return new NginxBalancer(stack, 'Balancer', { ...baseProps(network), ...props });
}

describe('NginxBalancer: GIVEN two workers behind one nginx host (ssh delivery)', () => {
  const json = synthBalancer();
  const deliveries = resourcesNamed(json, 'terraform_data', 'Balancer_');

  it('THEN it is tfcheck-clean', () => {
    expect(tfcheckProblems(json)).toBe('');
  });

  it('THEN the host has its own port and a separately allocated and associated floating IP', () => {
    const [[, instance]] = resourcesNamed(json, 'openstack_compute_instance_v2', 'Balancer_');
    const [[portName]] = resourcesNamed(json, 'openstack_networking_port_v2', 'Balancer_');
    expect(instance.network).toEqual([{ port: `\${openstack_networking_port_v2.${portName}.id}` }]);
    expect(resourcesNamed(json, 'openstack_networking_floatingip_v2', 'Balancer_')).toHaveLength(1);
    const [[, association]] = resourcesNamed(
      json,
      'openstack_networking_floatingip_associate_v2',
      'Balancer_',
    );
    expect(association.port_id).toBe(`\${openstack_networking_port_v2.${portName}.id}`);
  });

  it('THEN cloud-init only bootstraps: packages, hardening, a base nginx.conf that includes the pools, nginx enabled', () => {
    const userData = userDataOf(json);
    for (const pkg of ['"nginx"', '"libnginx-mod-stream"', '"unattended-upgrades"'])
      expect(userData).toContain(pkg);
    expect(userData).toContain('PasswordAuthentication no');
    expect(userData).toContain('APT::Periodic::Unattended-Upgrade \\"1\\";');
    expect(userData).toContain('include /etc/nginx/webfarm/pools/*.conf;');
    expect(userData).toContain('server_tokens off;');
    expect(userData).toContain('"systemctl"\n    - "enable"\n    - "nginx.service"');
    expect(userData).toContain(
      'nginx -t -q -c /etc/nginx/nginx.conf && systemctl reload-or-restart nginx.service',
    );
    // No pool, no listener, no worker address: a pool change cannot touch the user data.
    expect(userData).not.toContain('upstream web');
    expect(userData).not.toContain('all_fixed_ips');
  });

  it('THEN one terraform_data pushes one file per pool and per listener, checked with nginx -t and reloaded', () => {
    expect(deliveries).toHaveLength(1);
    const [, data] = deliveries[0];
    const manifest = manifestOf(data);
    expect(manifest).toMatchObject({ host: 'lb', role: 'nginx-balancer', delivery: 'ssh' });
    expect(manifest.files.map((f) => f.path)).toEqual([
      '/etc/nginx/webfarm/pools/web.conf',
      '/etc/nginx/webfarm/listeners/http.conf',
    ]);
    expect(manifest.files[0].check).toBe('nginx -t -q -c /etc/nginx/nginx.conf');
    expect(manifest.files[0].content).toContain('upstream web {');
    expect(manifest.files[0].content).toContain(
      'all_fixed_ips, 0)}:8080 max_fails=3 fail_timeout=30s;  # web-1',
    );
    const provisioners = data.provisioner as Array<Record<string, Body>>;
    const script = String(provisioners[provisioners.length - 2].file.content);
    expect(script).toContain("prune '/etc/nginx/webfarm/pools' '*.conf' '/etc/nginx/webfarm/pools/web.conf'");
    expect(script).toContain("prune '/etc/nginx/webfarm/stream-listeners' '*.conf'");
    expect(script).toContain('if ! ( nginx -t -q -c /etc/nginx/nginx.conf ); then');
    expect(script).toContain('systemctl reload-or-restart nginx');
    expect((data.triggers_replace as Body).config_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((data.triggers_replace as Body).references).toEqual([
      expect.stringContaining('openstack_networking_port_v2.Web_Node-web-1_Port_'),
      expect.stringContaining('openstack_networking_port_v2.Web_Node-web-2_Port_'),
    ]);
    expect(data.connection).toMatchObject({
      host: expect.stringContaining('openstack_networking_floatingip_v2.Balancer_Hosts_FloatingIp_'),
      user: 'debian',
      agent: 'true',
    });
    expect(data.depends_on).toEqual([
      expect.stringContaining('openstack_compute_instance_v2.Balancer_Hosts_Host_'),
      expect.stringContaining(
        'openstack_networking_floatingip_associate_v2.Balancer_Hosts_FloatingIp_Association_',
      ),
    ]);
  });

  it('THEN the listener port is open to its allowedCidrs, SSH to adminCidrs only, and nothing else', () => {
    const ingress = ingressOf(json, 'Balancer_Hosts_SecurityGroup');
    expect(ingress.map((r) => [r.protocol, r.port_range_min, r.remote_ip_prefix]).sort()).toEqual([
      ['tcp', 22, ADMIN_CIDR],
      ['tcp', 80, '0.0.0.0/0'],
    ]);
  });

  it('THEN the workers accept the pool port from the balancer group only', () => {
    const ingress = ingressOf(json, 'Web_SecurityGroup');
    expect(ingress).toEqual([
      expect.objectContaining({
        protocol: 'tcp',
        port_range_min: 8080,
        port_range_max: 8080,
        remote_group_id: expect.stringContaining(
          'openstack_networking_secgroup_v2.Balancer_Hosts_SecurityGroup_',
        ),
      }),
    ]);
  });
});

describe('NginxBalancer: pools, nodes and listeners after construction', () => {
  it('WHEN nodes and pools are added after the listener THEN the pushed files include them (rendered at synth)', () => {
    let lb: NginxBalancer | undefined;
    const json = synthWithManifests((app: App) => {
      const built = buildBalancerStack(app, 'late');
      lb = built.lb as NginxBalancer;
      const web = lb.pools[0];
      web.addNodes(['203.0.113.10:8080']);
      const pavics = lb.addPool('pavics', { port: 8093, algorithm: Algorithm.hashHeader('machineid') });
      lb.addListener('pavics', { port: 8093, defaultPool: pavics });
      lb.addNodes('pavics', ['203.0.113.11:8093', '203.0.113.12:8093']);
      return built.stack;
    });
    const files = manifestOf(resourcesNamed(json, 'terraform_data', 'Balancer_')[0][1]).files;
    expect(files.map((f) => f.path)).toEqual([
      '/etc/nginx/webfarm/pools/web.conf',
      '/etc/nginx/webfarm/pools/pavics.conf',
      '/etc/nginx/webfarm/listeners/http.conf',
      '/etc/nginx/webfarm/listeners/pavics.conf',
    ]);
    expect(files[0].content).toContain('server 203.0.113.10:8080 max_fails=3 fail_timeout=30s;');
    expect(files[1].content).toContain('hash $http_machineid consistent;');
    expect(lb?.getNodes('pavics')).toEqual(['203.0.113.11:8093', '203.0.113.12:8093']);
    expect(tfcheckProblems(json)).toBe('');
  });

  it('WHEN nodes are removed THEN getNodes no longer lists them and the pool file drops them', () => {
    const lb = nginxStack();
    const pool = lb.addPool('web', { port: 80 });
    lb.addNodes('web', ['192.0.2.10:80', '192.0.2.11:80']);
    lb.removeNodes('web', ['192.0.2.10:80', '192.0.2.99:80']);
    expect(pool.nodes.map((n) => n.host)).toEqual(['192.0.2.11']);
    expect(lb.configFiles()[0].content).not.toContain('192.0.2.10');
  });

  it('WHEN a listener has no allowedCidrs THEN its port is open to the balancer subnet only', () => {
    const json = synthStack((app: App) => {
      const built = buildBalancerStack(app, 'private');
      built.lb.addListener('internal', { port: 8443, defaultPool: built.lb.pools[0] });
      return built.stack;
    });
    expect(ingressOf(json, 'Balancer_Hosts_SecurityGroup')).toContainEqual(
      expect.objectContaining({ port_range_min: 8443, remote_ip_prefix: SUBNET }),
    );
    expect(
      ingressOf(json, 'Balancer_Hosts_SecurityGroup').filter((r) => r.remote_ip_prefix === '0.0.0.0/0'),
    ).toHaveLength(1);
  });

  it('WHEN statusAllowedCidrs is given THEN stub_status allows them and port 8081 opens to them only', () => {
    const json = synthBalancer({ props: { statusAllowedCidrs: ['203.0.113.0/24'] } });
    expect(userDataOf(json)).toContain('allow 203.0.113.0/24;');
    expect(userDataOf(json)).toContain('allow 127.0.0.1;');
    expect(ingressOf(json, 'Balancer_Hosts_SecurityGroup')).toContainEqual(
      expect.objectContaining({ port_range_min: 8081, remote_ip_prefix: '203.0.113.0/24' }),
    );
  });

  it('WHEN delivery is user-data THEN cloud-init writes the pools too and nothing is pushed over SSH', () => {
    const json = synthBalancer({ delivery: 'user-data', props: { ssh: undefined, adminCidrs: undefined } });
    expect(resourcesOf(json, 'terraform_data')).toEqual({});
    const userData = userDataOf(json);
    expect(userData).toContain('/etc/nginx/webfarm/pools/web.conf');
    expect(userData).toContain('upstream web {');
    expect(ingressOf(json, 'Balancer_Hosts_SecurityGroup').map((r) => r.port_range_min)).toEqual([80]);
    expect(tfcheckProblems(json)).toBe('');
  });
});

describe('NginxBalancer: capabilities (DESIGN decision 4)', () => {
  it('fails on cookie-insert stickiness, naming HAProxy and Octavia as the fix', () => {
    const lb = nginxStack();
    expect(() => lb.addPool('web', { port: 80, stickiness: Stickiness.insertCookie() })).toThrow(
      's/Balancer pool \'web\': stickiness (nginx) "insert-cookie" is not allowed; allowed: source-ip. Fix: open-source nginx has no cookie-insert stickiness (that is nginx Plus `sticky cookie`); use HaproxyBalancer or OctaviaBalancer (HTTP_COOKIE), or Algorithm.hashCookie on an application cookie',
    );
  });

  it('fails on active health checks, naming HAProxy and Octavia as the fix', () => {
    const lb = nginxStack();
    expect(() => lb.addPool('web', { port: 80, healthCheck: { active: { path: '/health' } } })).toThrow(
      's/Balancer pool \'web\': active health check (nginx) "active" is not allowed; allowed: passive health checks only. Fix: open-source nginx has no active health checks (that is nginx Plus `health_check`); use HaproxyBalancer or OctaviaBalancer, or rely on passive checks (healthCheck.passive)',
    );
  });

  it('fails at addListener when the renderer rejects the listener (a header nginx cannot name)', () => {
    const lb = nginxStack();
    const web = lb.addPool('web', { port: 80 });
    expect(() =>
      lb.addListener('http', {
        port: 80,
        defaultPool: web,
        rules: [{ pool: web, header: { name: 'X_Env' } }],
      }),
    ).toThrow(/nginx listener 'http' rule 1: header name "X_Env" is not allowed/);
    // THEN the refused listener left nothing behind: the id and the port are free again
    expect(lb.listeners).toEqual([]);
    expect(lb.addListener('http', { port: 80, defaultPool: web }).name).toBe('http');
  });
});

describe('NginxBalancer: validation', () => {
  const network = () => new Network(new TerraformStack(new App(), 's'), 'Network', { cidr: SUBNET });

  it('fails without ssh access for ssh delivery', () => {
    expect(() => nginxStack({ ssh: undefined })).toThrow(
      's/Balancer: ssh (not set) is not allowed; allowed: SSH access (user, private key, optional bastion) with delivery "ssh". Fix: give ssh: { user: "ubuntu", privateKey: Fn.file("~/.ssh/id_ed25519") }, or delivery: "user-data"',
    );
  });

  it('fails without adminCidrs or adminAccess for ssh delivery (no SSH from anywhere by default)', () => {
    expect(() => nginxStack({ adminCidrs: [] })).toThrow(
      's/Balancer: adminCidrs [] is not allowed; allowed: at least one CIDR block (or an adminAccess) with delivery "ssh": Terraform must reach tcp/22. Fix: give the network Terraform connects from, e.g. ["198.51.100.0/24"], or adminAccess, or delivery: "user-data"',
    );
  });

  it('fails on an adminCidrs entry that is not a CIDR', () => {
    expect(() => nginxStack({ adminCidrs: ['198.51.100.7'] })).toThrow(
      's/Balancer: adminCidrs entry "198.51.100.7" is not allowed; allowed: an IPv4 or IPv6 CIDR block such as "203.0.113.0/24" or "2001:db8::/32". Fix: write the network address and prefix length',
    );
  });

  it('fails on a statusAllowedCidrs entry with host bits', () => {
    expect(() => nginxStack({ statusAllowedCidrs: ['203.0.113.5/24'] })).toThrow(
      's/Balancer: statusAllowedCidrs entry "203.0.113.5/24" is not allowed',
    );
  });

  it('fails on an unknown delivery', () => {
    expect(() => nginxStack({ delivery: 'scp' as 'ssh' })).toThrow(
      's/Balancer: delivery "scp" is not allowed; allowed: "ssh" (pushed in place) or "user-data" (cloud-init; replaces the host on every change). Fix: use "ssh" unless Terraform cannot reach the host over SSH',
    );
  });

  it('fails on an empty floatingIpPool', () => {
    expect(() => nginxStack({ floatingIpPool: ' ' })).toThrow(
      's/Balancer: floatingIpPool " " is not allowed; allowed: the name of an external network',
    );
  });

  it('fails on an instance name that is not a DNS label', () => {
    expect(() => nginxStack({ name: 'LB_1' })).toThrow('s/Balancer: name "LB_1" is not allowed');
  });

  it('fails on a listener on the SSH port or the status port', () => {
    const lb = nginxStack();
    const web = lb.addPool('web', { port: 80 });
    expect(() => lb.addListener('ssh', { port: 22, defaultPool: web })).toThrow(
      "s/Balancer listener 'ssh': port 22 is not allowed; allowed: a port other than 22 (SSH) and 8081 (the nginx status page). Fix: move the listener to another port",
    );
    expect(() => lb.addListener('status', { port: 8081, defaultPool: web })).toThrow(
      "s/Balancer listener 'status': port 8081 is not allowed",
    );
  });

  it('fails on a listener without allowedCidrs when the subnet CIDR is unknown', () => {
    const stack = new TerraformStack(new App(), 's');
    const lb = new NginxBalancer(stack, 'Balancer', {
      ...baseProps(network()),
      network: Network.fromId('net-id', 'subnet-id'),
    });
    const web = lb.addPool('web', { port: 80 });
    expect(() => lb.addListener('http', { port: 80, defaultPool: web })).toThrow(
      "s/Balancer listener 'http': allowedCidrs (not set) is not allowed; allowed: a list of CIDR blocks when the subnet CIDR is unknown (Network.fromId without cidr). Fix: give allowedCidrs, or the subnet CIDR to Network.fromId",
    );
  });

  it('fails on a duplicate pool id', () => {
    const lb = nginxStack();
    lb.addPool('web', { port: 80 });
    expect(() => lb.addPool('web', { port: 81 })).toThrow('s/Balancer: pool id "web" is not allowed');
  });
});

describe('NginxBalancer: SSH through an AdminAccess', () => {
  /** A balancer whose SSH comes from an AdminAccess with a bastion, serving pool web on 80. */
  function behindBastion(props: (admin: AdminAccess) => Partial<NginxBalancerProps>) {
    let lb: NginxBalancer | undefined;
    const json = synthWithManifests((app: App) => {
      const stack = new TerraformStack(app, 'admin');
      const network = new Network(stack, 'Network', { cidr: SUBNET, externalNetworkName: 'public' });
      const admin = new AdminAccess(stack, 'Admin', {
        adminCidrs: [ADMIN_CIDR],
        bastion: { network, image: 'debian-12', flavor: 'm1.tiny', floatingIpPool: 'public', name: 'jump' },
      });
      lb = new NginxBalancer(stack, 'Balancer', {
        ...baseProps(network),
        adminCidrs: undefined,
        adminAccess: admin,
        ...props(admin),
      });
      const web = lb.addPool('web', { port: 8080 });
      web.addNodes(['10.20.0.50:8080']);
      lb.addListener('http', { port: 80, defaultPool: web, allowedCidrs: ['0.0.0.0/0'] });
      return stack;
    });
    if (!lb) throw new Error('the balancer was not built');
    return { json, lb };
  }

  it('WHEN adminAccess has a bastion THEN tcp/22 opens from the bastion group only, without adminCidrs', () => {
    const { json } = behindBastion((admin) => ({
      ssh: { user: 'debian', bastion: { host: admin.bastion?.publicAddress ?? 'unreachable' } },
    }));
    const ssh = ingressOf(json, 'Balancer_Hosts_SecurityGroup').filter((r) => r.port_range_min === 22);
    expect(ssh).toEqual([
      expect.objectContaining({
        remote_group_id: expect.stringContaining(
          'openstack_networking_secgroup_v2.Admin_Bastion_SecurityGroup_',
        ),
      }),
    ]);
    const [[, data]] = resourcesNamed(json, 'terraform_data', 'Balancer_');
    expect(data.connection).toMatchObject({
      host: expect.stringContaining('openstack_networking_port_v2.Balancer_Hosts_Host_Port_'),
      bastion_host: expect.stringContaining('openstack_networking_floatingip_v2.Admin_Bastion_FloatingIp_'),
    });
    expect(tfcheckProblems(json)).toBe('');
  });

  it('WHEN adminAccess has a bastion and ssh names no jump host THEN the push goes through that bastion', () => {
    const { json, lb } = behindBastion(() => ({
      highAvailability: { vrrp: true, virtualIp: '10.20.0.250' },
      ssh: { user: 'debian' },
    }));
    const deliveries = resourcesNamed(json, 'terraform_data', 'Balancer_');
    expect(deliveries.length).toBeGreaterThanOrEqual(2);
    for (const [, data] of deliveries) {
      expect(data.connection).toMatchObject({
        bastion_host: expect.stringContaining('openstack_networking_floatingip_v2.Admin_Bastion_FloatingIp_'),
      });
    }
    const warnings = lb.hosts.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN);
    expect(warnings).toEqual([]);
    expect(tfcheckProblems(json)).toBe('');
  });
});

describe('NginxBalancer: warnings', () => {
  const warnings = (lb: NginxBalancer) =>
    lb.hosts.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => m.data);

  it('warns when adminCidrs opens SSH to the whole internet', () => {
    expect(warnings(nginxStack({ adminCidrs: ['0.0.0.0/0'] }))).toEqual([
      'SSH is open to the whole internet (0.0.0.0/0) because adminCidrs names it; prefer the networks your administrators use.',
    ]);
  });

  it('warns when Terraform has no public address or bastion to push through', () => {
    expect(warnings(nginxStack({ floatingIpPool: undefined }))).toEqual([
      "Terraform pushes the configuration to the hosts' private addresses: run it from inside the network, or give ssh.bastion",
    ]);
    expect(warnings(nginxStack())).toEqual([]);
  });
});
