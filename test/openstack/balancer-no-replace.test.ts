import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from '../../lib/core/cdk';
import { Algorithm } from '../../lib/core/balancing';
import { StackJson, resourcesOf, synthStack, writeStack } from '../support/synth';
import { SHARED_TOOLS, describeWithTools, tempDir } from '../support/tools';
import { BalancerFixture, buildBalancerStack } from '../e2e/balancer-fixture';

/**
 * DESIGN decision 5: a pool change must not replace the balancer host. Each change below is
 * synthesized before and after; the balancer's instance, its port and its floating IP must be
 * identical, and Terraform's own plan (tfsim: the real terraform on simulated providers) must
 * say "no-op" for them and replace only the configuration push.
 */

/** The resource types that make up a balancer host and its public address. */
const HOST_TYPES = [
  'openstack_compute_instance_v2',
  'openstack_networking_port_v2',
  'openstack_networking_floatingip_v2',
  'openstack_networking_floatingip_associate_v2',
];

interface Change {
  readonly name: string;
  readonly before: BalancerFixture;
  readonly after: BalancerFixture;
}

const CHANGES: Change[] = [
  { name: 'a worker is added', before: { workers: 2 }, after: { workers: 3 } },
  { name: 'a pool and its listener are added', before: {}, after: { apiPool: true } },
  {
    name: 'the algorithm changes',
    before: { algorithm: Algorithm.roundRobin() },
    after: { algorithm: Algorithm.leastConnections() },
  },
  {
    name: 'a worker is added behind an HAProxy keepalived pair',
    before: { kind: 'haproxy', ha: true, workers: 2 },
    after: { kind: 'haproxy', ha: true, workers: 3 },
  },
];

function synth(fixture: BalancerFixture): StackJson {
  return synthStack((app: App) => buildBalancerStack(app, 'lb', fixture).stack);
}

/** The balancer's host resources: `type.name` → body. */
function hostResources(json: StackJson): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const type of HOST_TYPES) {
    for (const [name, body] of Object.entries(resourcesOf(json, type))) {
      if (name.startsWith('Balancer_')) out[`${type}.${name}`] = body;
    }
  }
  return out;
}

/**
 * How many resources of each host type a balancer has: one instance, its port, the floating IP
 * and its association; a keepalived pair has two instances, their two ports and the VIP port.
 */
function expectedHostTypes(ha: boolean | undefined): Record<string, number> {
  return {
    openstack_compute_instance_v2: ha ? 2 : 1,
    openstack_networking_port_v2: ha ? 3 : 1,
    openstack_networking_floatingip_v2: 1,
    openstack_networking_floatingip_associate_v2: 1,
  };
}

function countByType(addresses: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of addresses) {
    const type = a.split('.')[0];
    out[type] = (out[type] ?? 0) + 1;
  }
  return out;
}

function deliveries(json: StackJson): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(resourcesOf(json, 'terraform_data')).filter(([n]) => n.includes('Delivery')),
  );
}

describe('Balancer changes leave the host alone (two synths)', () => {
  it.each(CHANGES)(
    'WHEN $name THEN instance, port and floating IP are unchanged and the push is not',
    (c) => {
      const before = synth(c.before);
      const after = synth(c.after);
      const hosts = hostResources(before);
      expect(Object.keys(hosts).length).toBeGreaterThanOrEqual(c.before.ha ? 7 : 4);
      expect(countByType(Object.keys(hosts))).toEqual(expectedHostTypes(c.before.ha));
      expect(hostResources(after)).toEqual(hosts);
      const [b, a] = [deliveries(before), deliveries(after)];
      expect(Object.keys(a)).toEqual(Object.keys(b));
      for (const name of Object.keys(b))
        expect(a[name].triggers_replace).not.toEqual(b[name].triggers_replace);
    },
  );
});

describe('The documented cost of user-data delivery', () => {
  it('WHEN delivery is user-data and a worker is added THEN the user data changes (the instance is replaced)', () => {
    const fixture: BalancerFixture = {
      delivery: 'user-data',
      props: { ssh: undefined, adminCidrs: undefined },
    };
    const userData = (json: StackJson) =>
      Object.entries(resourcesOf(json, 'openstack_compute_instance_v2')).find(([n]) =>
        n.startsWith('Balancer_'),
      )?.[1].user_data;
    const before = userData(synth({ ...fixture, workers: 2 }));
    const after = userData(synth({ ...fixture, workers: 3 }));
    expect(before).toContain('upstream web');
    expect(after).not.toEqual(before);
  });
});

interface PlannedChange {
  readonly address: string;
  readonly change: { readonly actions: string[] };
}

function tfsimPlan(base: string, next: string, out: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(SHARED_TOOLS, 'tfsim'),
      ['plan', '--base', base, next, '--json', `${out}/`],
      { timeout: 300000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describeWithTools(['terraform', 'tfsim'], 'Balancer changes leave the host alone (terraform plan)', () => {
  const plans = new Map<string, { code: number; output: string; changes: PlannedChange[] }>();

  beforeAll(async () => {
    await Promise.all(
      CHANGES.map(async (c) => {
        const dir = tempDir('webfarm-noreplace-');
        const base = writeStack(synth(c.before), 'lb', path.join(dir, 'before'));
        const next = writeStack(synth(c.after), 'lb', path.join(dir, 'after'));
        const out = path.join(dir, 'plan');
        fs.mkdirSync(out);
        const result = await tfsimPlan(base, next, out);
        const file = path.join(out, 'lb.json');
        const plan = fs.existsSync(file)
          ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { resource_changes: PlannedChange[] })
          : { resource_changes: [] };
        plans.set(c.name, { ...result, changes: plan.resource_changes });
        fs.rmSync(dir, { recursive: true, force: true });
      }),
    );
  }, 300000);

  it.each(CHANGES)('WHEN $name THEN the plan is no-op for the host and replaces only the push', (c) => {
    const plan = plans.get(c.name);
    expect(plan?.output).toMatch(/\b1 stacks? planned/);
    expect(plan?.code).toBe(0);
    const changes = plan?.changes ?? [];
    const host = changes.filter((r) => HOST_TYPES.some((t) => r.address.startsWith(`${t}.Balancer_`)));
    expect(host.length).toBeGreaterThanOrEqual(c.before.ha ? 7 : 4);
    expect(countByType(host.map((r) => r.address))).toEqual(expectedHostTypes(c.before.ha));
    for (const r of host) expect([r.address, r.change.actions]).toEqual([r.address, ['no-op']]);
    const pushes = changes.filter(
      (r) => r.address.startsWith('terraform_data.') && r.address.includes('Delivery'),
    );
    expect(pushes).toHaveLength(c.before.ha ? 2 : 1);
    for (const r of pushes) expect([r.address, r.change.actions]).toEqual([r.address, ['delete', 'create']]);
    const keepalived = changes.filter((r) => r.address.includes('Keepalived'));
    for (const r of keepalived) expect([r.address, r.change.actions]).toEqual([r.address, ['no-op']]);
  });
});
