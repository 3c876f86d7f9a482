import * as path from 'path';
import { App, TerraformStack } from '../../lib/core/cdk';
import { EXAMPLE_STACKS } from '../../stacks';
import { StackJson, resourcesOf, tfcheckProblems, writeStack } from '../support/synth';
import { describeWithTools, tempDir, tfsim } from '../support/tools';
import { manifestOf, resourcesNamed, synthWithManifests } from '../e2e/balancer-fixture';

/** The seed deployments of issue 6, as registered in stacks/index.ts. */
const NAMES = ['visa-nginx', 'pavics-nginx', 'nsboot-haproxy', 'balancer-ha'];

function example(name: string): StackJson {
  const entry = EXAMPLE_STACKS.find((s) => s.name === name);
  if (!entry) throw new Error(`${name} is not registered in stacks/index.ts`);
  return synthWithManifests((app: App) => {
    entry.build(app, name);
    return app.node.findChild(name) as TerraformStack;
  });
}

/** The files pushed to host `host` of a stack, by path. */
function pushed(json: StackJson, host: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const data of Object.values(resourcesOf(json, 'terraform_data'))) {
    const manifest = manifestOf(data);
    if (manifest.host === host) for (const f of manifest.files) files[f.path] = f.content;
  }
  return files;
}

const stacks = Object.fromEntries(NAMES.map((n) => [n, example(n)]));

describe('Balancer examples (the seed deployments)', () => {
  it.each(NAMES)('%s is registered, synthesizes and is tfcheck-clean', (name) => {
    expect(tfcheckProblems(stacks[name])).toBe('');
  });

  it('visa-nginx: two app hosts, anti-affinity, primary-only variables, behind a round-robin nginx', () => {
    const json = stacks['visa-nginx'];
    const apps = resourcesNamed(json, 'openstack_compute_instance_v2', 'Visa_');
    expect(apps.map(([, i]) => i.name)).toEqual(['visa-1', 'visa-2']);
    expect(resourcesNamed(json, 'openstack_compute_servergroup_v2', 'Visa_')).toEqual([
      [expect.any(String), expect.objectContaining({ policies: ['anti-affinity'] })],
    ]);
    const env = apps.map(([, i]) => String(i.user_data));
    expect(env[0]).toContain("VISA_SCHEDULER_ENABLED='true'");
    expect(env[0]).toContain("VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP='true'");
    expect(env[1]).toContain("VISA_SCHEDULER_ENABLED='false'");
    expect(env[1]).toContain("VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP='false'");
    const files = pushed(json, 'visa-lb');
    const pool = files['/etc/nginx/webfarm/pools/visa.conf'];
    expect(pool.match(/^\s+server .*:80 /gm)).toHaveLength(2);
    expect(pool).not.toMatch(/least_conn|ip_hash|hash /);
    expect(files['/etc/nginx/webfarm/listeners/http.conf']).toContain('listen 80;');
  });

  it('pavics-nginx: 8093, 8091 and 8094 each a pool and a listener, hash $http_machineid over 3 servers', () => {
    const files = pushed(stacks['pavics-nginx'], 'pavics-proxy');
    for (const [service, port] of [
      ['flyingpigeon', 8093],
      ['malleefowl', 8091],
      ['hummingbird', 8094],
    ] as const) {
      const pool = files[`/etc/nginx/webfarm/pools/${service}.conf`];
      expect(pool).toContain(`upstream ${service} {`);
      expect(pool).toContain('hash $http_machineid consistent;');
      expect(pool.match(new RegExp(`^\\s+server .*:${port} `, 'gm'))).toHaveLength(3);
      const listener = files[`/etc/nginx/webfarm/listeners/${service}.conf`];
      expect(listener).toContain(`listen ${port};`);
      expect(listener).toContain(`proxy_pass http://${service};`);
    }
  });

  it('nsboot-haproxy: leastconn + httpchk GET /health, websocket ACL to balance source, /api/ rule, stats on localhost, a keepalived pair', () => {
    const json = stacks['nsboot-haproxy'];
    for (const host of ['nsboot-lb-1', 'nsboot-lb-2']) {
      const cfg = pushed(json, host)['/etc/haproxy/haproxy.cfg'];
      expect(cfg).toMatch(/backend nsboot\n(.*\n)*? {4}balance leastconn\n/);
      expect(cfg).toContain('http-check send meth GET uri /health');
      expect(cfg).toContain('check inter 3s rise 2 fall 3');
      expect(cfg).toMatch(/backend websocket\n(.*\n)*? {4}balance source\n/);
      expect(cfg).toContain('acl rule1_websocket req.hdr(upgrade) -m str -i -- websocket');
      expect(cfg).toContain('acl rule2_path path_beg -- /api/');
      expect(cfg).toContain('bind 127.0.0.1:8404');
      expect(pushed(json, host)['/etc/keepalived/keepalived.conf']).toContain('unicast_peer');
    }
    const [, vip] = resourcesNamed(json, 'openstack_networking_port_v2', 'Balancer_Hosts_VirtualIp_')[0];
    expect(vip.fixed_ip).toEqual([expect.objectContaining({ ip_address: '10.44.0.250' })]);
  });

  it('balancer-ha: an nginx pair with the floating IP on the virtual IP port', () => {
    const json = stacks['balancer-ha'];
    expect(resourcesNamed(json, 'openstack_compute_instance_v2', 'Balancer_')).toHaveLength(2);
    const [[vipName]] = resourcesNamed(json, 'openstack_networking_port_v2', 'Balancer_Hosts_VirtualIp_');
    const [[, association]] = resourcesNamed(
      json,
      'openstack_networking_floatingip_associate_v2',
      'Balancer_',
    );
    expect(association.port_id).toBe(`\${openstack_networking_port_v2.${vipName}.id}`);
  });
});

describeWithTools(['terraform', 'tfsim'], 'Balancer examples under Terraform (tfsim validate)', () => {
  it('every balancer example validates with 0 problems', () => {
    const dir = tempDir('webfarm-examples-');
    for (const name of NAMES) writeStack(stacks[name], name, dir);
    const result = tfsim(['validate', path.join(dir)]);
    expect(result.output).toContain(`${NAMES.length} stacks validated, 0 problems`);
    expect(result.status).toBe(0);
  });
});
