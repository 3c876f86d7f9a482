import { App, TerraformStack } from '../../lib/core/cdk';
import { Algorithm } from '../../lib/core/balancing';
import { HaproxyBalancer } from '../../lib/openstack/haproxy-balancer';
import { Network } from '../../lib/openstack/network';
import { NginxBalancer } from '../../lib/openstack/nginx-balancer';
import { OctaviaBalancer } from '../../lib/openstack/octavia';
import { SUBNET, baseProps, manifestOf, synthWithManifests } from '../e2e/balancer-fixture';
import { resourcesOf } from '../support/synth';

/** Pools declared run-time managed, as the push and the manifest carry them. */

function delivery(kind: 'nginx' | 'haproxy', runtime: boolean) {
  const json = synthWithManifests((app: App) => {
    const stack = new TerraformStack(app, 'rt');
    const props = baseProps(new Network(stack, 'Network', { cidr: SUBNET }));
    const lb =
      kind === 'nginx'
        ? new NginxBalancer(stack, 'Balancer', props)
        : new HaproxyBalancer(stack, 'Balancer', props);
    const app1 = lb.addPool('app', { port: 8000, runtimeManaged: runtime });
    app1.addNodes(['10.20.0.9:8000']);
    const web = lb.addPool('web', { port: 8080 });
    web.addNodes(['10.20.0.7:8080']);
    lb.addListener('http', { port: 80, defaultPool: app1, rules: [{ pool: web, pathPrefix: '/static/' }] });
    return stack;
  });
  const [[, data]] = Object.entries(resourcesOf(json, 'terraform_data')).filter(([n]) =>
    n.startsWith('Balancer_Hosts_Delivery_'),
  );
  const provisioners = data.provisioner as Array<{ file?: { content: string; destination: string } }>;
  const script =
    provisioners.map((p) => p.file).find((f) => f?.destination.endsWith('apply.sh'))?.content ?? '';
  return {
    manifest: manifestOf(data) as ReturnType<typeof manifestOf> & { runtime: Record<string, unknown> },
    script,
  };
}

describe('run-time managed pools (synth)', () => {
  it("GIVEN an nginx run-time pool THEN its file is created once (put_new), the other pool is Terraform's, and the push holds the shared lock", () => {
    const { manifest, script } = delivery('nginx', true);
    const app = manifest.files.find((f) => f.path === '/etc/nginx/webfarm/pools/app.conf') as {
      createOnly?: boolean;
      content: string;
    };
    const web = manifest.files.find((f) => f.path === '/etc/nginx/webfarm/pools/web.conf') as {
      createOnly?: boolean;
    };
    expect(app.createOnly).toBe(true);
    expect(web.createOnly).toBeUndefined();
    expect(app.content).toContain('# webfarm:server-options max_fails=3 fail_timeout=30s');
    expect(script).toContain("put_new 1 '/etc/nginx/webfarm/pools/app.conf'");
    expect(script).toContain("put 2 '/etc/nginx/webfarm/pools/web.conf'");
    expect(script).toContain("exec 9>'/run/lock/webfarm/nginx.lock'");
    expect(manifest.runtime).toEqual({
      balancer: 'rt/Balancer',
      daemon: 'nginx',
      pools: [
        { name: 'app', file: '/etc/nginx/webfarm/pools/app.conf', runtimeManaged: true },
        { name: 'web', file: '/etc/nginx/webfarm/pools/web.conf', runtimeManaged: false },
      ],
      check: 'nginx -t -q -c /etc/nginx/nginx.conf',
      reload: 'systemctl reload nginx',
      lockDir: '/run/lock/webfarm',
    });
  });

  it('GIVEN no run-time pool THEN the push is as before: no lock, no put_new', () => {
    const { script, manifest } = delivery('nginx', false);
    expect(script).not.toContain('flock');
    expect(script).not.toMatch(/^put_new \d/m);
    expect(manifest.files.some((f) => (f as { createOnly?: boolean }).createOnly)).toBe(false);
  });

  it('GIVEN an HAProxy run-time pool THEN its backend is its own file, HAProxy is started and checked with the pools folder', () => {
    const { manifest, script } = delivery('haproxy', true);
    const cfg = manifest.files.find((f) => f.path === '/etc/haproxy/haproxy.cfg')?.content ?? '';
    const pool = manifest.files.find((f) => f.path === '/etc/haproxy/webfarm/pools/app.cfg') as {
      createOnly?: boolean;
      content: string;
    };
    expect(cfg).toMatch(/^backend web$/m);
    expect(cfg).not.toMatch(/^backend app$/m);
    expect(cfg).toContain('default_backend app');
    expect(pool.createOnly).toBe(true);
    expect(pool.content).toMatch(/^backend app$/m);
    expect(
      manifest.files.find((f) => f.path === '/etc/systemd/system/haproxy.service.d/webfarm-pools.conf')
        ?.content,
    ).toContain('Environment="CONFIG=/etc/haproxy/haproxy.cfg -f /etc/haproxy/webfarm/pools"');
    expect(script).toContain('haproxy -c -q -f /etc/haproxy/haproxy.cfg -f /etc/haproxy/webfarm/pools');
    expect(script).toContain('systemctl restart haproxy');
    expect(manifest.runtime.adminSocket).toBe('/run/haproxy/admin.sock');
  });

  it('GIVEN an HAProxy run-time pool with a map-based hash THEN a ValidationError names the fix', () => {
    const stack = new TerraformStack(new App(), 'rt');
    const lb = new HaproxyBalancer(
      stack,
      'Balancer',
      baseProps(new Network(stack, 'Network', { cidr: SUBNET })),
    );
    expect(() =>
      lb.addPool('app', {
        port: 80,
        runtimeManaged: true,
        algorithm: Algorithm.hashHeader('x-user', { consistent: false }),
      }),
    ).toThrow(/algorithm of a run-time pool .* is not allowed.*give the hash \{ consistent: true \}/);
  });

  it('GIVEN delivery user-data THEN a run-time pool is refused (every change would replace the host)', () => {
    const stack = new TerraformStack(new App(), 'rt');
    const lb = new NginxBalancer(stack, 'Balancer', {
      ...baseProps(new Network(stack, 'Network', { cidr: SUBNET })),
      delivery: 'user-data',
    });
    expect(() => lb.addPool('app', { port: 80, runtimeManaged: true })).toThrow(
      /rt\/Balancer pool 'app': runtimeManaged with delivery "user-data" is not allowed; allowed: delivery "ssh"/,
    );
  });

  it('GIVEN Octavia THEN a run-time pool is refused: out of scope', () => {
    const stack = new TerraformStack(new App(), 'rt');
    const lb = new OctaviaBalancer(stack, 'Lb', { network: new Network(stack, 'Network', { cidr: SUBNET }) });
    expect(() => lb.addPool('app', { port: 80, runtimeManaged: true })).toThrow(
      /runtimeManaged \(Octavia.*\) true is not allowed; allowed: false: run-time pools exist on nginx and HAProxy hosts only/,
    );
  });
});
