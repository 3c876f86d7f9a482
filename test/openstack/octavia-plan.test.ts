import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack } from '../../lib/core/cdk';
import { Algorithm } from '../../lib/core';
import { Network, OctaviaBalancer, WorkerGroup } from '../../lib/openstack';
import { Jetstream2OctaviaStack } from '../../examples/jetstream2-octavia';
import { OctaviaHttpsStack } from '../../examples/octavia-https';
import { StackJson, synthStack, writeStack } from '../support/synth';
import { describeWithTools, tempDir, tfsim } from '../support/tools';

/** One resource change of `terraform show -json`. */
interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly change: {
    readonly actions: string[];
    readonly after: Record<string, unknown> | null;
    readonly replace_paths?: unknown[];
  };
}

/** The seed deployment with `workers` nodes and extra external members. */
function seedLike(app: App, workers: number, externalMembers: string[]): TerraformStack {
  const stack = new TerraformStack(app, 'octavia');
  const network = Network.fromName(stack, 'Net', 'auto_allocated_network');
  const group = new WorkerGroup(stack, 'Workers', {
    network,
    name: 'worker-node',
    count: workers,
    image: 'Featured-Ubuntu24',
    flavor: 'm3.tiny',
    appPort: 80,
  });
  const lb = new OctaviaBalancer(stack, 'Lb', { network, floatingIpPool: 'public' });
  const web = lb.addPool('web', { port: 80, algorithm: Algorithm.roundRobin(), healthCheck: { active: {} } });
  web.addTarget(group);
  web.addNodes(externalMembers);
  lb.addListener('http', { port: 80, defaultPool: web, allowedCidrs: ['0.0.0.0/0'] });
  return stack;
}

/**
 * `tfsim plan --base BEFORE AFTER --json OUT`: applies BEFORE (simulated), plans AFTER against
 * that state and returns the changes that are not no-ops. Both are written under one stack name.
 */
function planChange(before: StackJson, after: StackJson): ResourceChange[] {
  const beforeDir = writeStack(before, 'octavia');
  const afterDir = writeStack(after, 'octavia');
  const out = path.join(tempDir(), 'plans') + path.sep;
  const result = tfsim(['plan', '--base', beforeDir, afterDir, '--json', out]);
  if (result.status !== 0) throw new Error(`tfsim plan failed:\n${result.output}`);
  const plan = JSON.parse(fs.readFileSync(path.join(out, 'octavia.json'), 'utf8')) as {
    resource_changes?: ResourceChange[];
  };
  return (plan.resource_changes ?? []).filter((c) => c.change.actions.join() !== 'no-op');
}

describeWithTools(
  ['tfsim', 'terraform'],
  'OctaviaBalancer under tfsim (real Terraform, simulated OpenStack)',
  () => {
    it('validates the Octavia examples with 0 problems', () => {
      // GIVEN both examples as `npm run synth` writes them, in one cdktf.out-shaped folder
      const dir = writeStack(
        synthStack((app) => new Jetstream2OctaviaStack(app, 'jetstream2-octavia')),
        'jetstream2-octavia',
      );
      writeStack(
        synthStack((app) => new OctaviaHttpsStack(app, 'octavia-https')),
        'octavia-https',
        dir,
      );
      // WHEN Terraform validates them against the provider schema THEN nothing is wrong
      const result = tfsim(['validate', dir]);
      expect(result.output).toContain('2 stacks validated, 0 problems');
      expect(result.status).toBe(0);
    });

    it('plans the HTTPS example from empty state', () => {
      const dir = writeStack(
        synthStack((app) => new OctaviaHttpsStack(app, 'octavia-https')),
        'octavia-https',
      );
      const result = tfsim(['plan', dir]);
      expect(result.status).toBe(0);
      expect(result.output).toMatch(
        /openstack_lb_l7policy_v2\.Lb_Redirect-https-Policy_[0-9A-F]{8} will be created/,
      );
    });

    it("adding a member is one in-place update of that pool's members resource, and nothing else", () => {
      // GIVEN the deployed seed WHEN an external member joins the pool
      const changes = planChange(
        synthStack((app) => seedLike(app, 2, [])),
        synthStack((app) => seedLike(app, 2, ['203.0.113.10:80'])),
      );
      // THEN Terraform updates exactly the members resource in place and replaces nothing
      expect(changes.map((c) => [c.type, c.change.actions])).toEqual([
        ['openstack_lb_members_v2', ['update']],
      ]);
      expect(changes[0].address).toMatch(/^openstack_lb_members_v2\.Lb_Members-web_[0-9A-F]{8}$/);
      const members = changes[0].change.after?.member as Array<Record<string, unknown>>;
      expect(members.map((m) => m.name).sort()).toEqual([
        '203-0-113-10-80',
        'worker-node-1',
        'worker-node-2',
      ]);
    });

    it('adding a worker creates only that node and updates the members in place; the balancer is untouched', () => {
      const changes = planChange(
        synthStack((app) => seedLike(app, 2, [])),
        synthStack((app) => seedLike(app, 3, [])),
      );
      const lb = changes.filter((c) => c.type.startsWith('openstack_lb_'));
      expect(lb.map((c) => [c.type, c.change.actions])).toEqual([['openstack_lb_members_v2', ['update']]]);
      const others = changes.filter((c) => !c.type.startsWith('openstack_lb_'));
      expect(others.map((c) => c.type).sort()).toEqual([
        'openstack_compute_instance_v2',
        'openstack_networking_port_v2',
      ]);
      expect(others.every((c) => c.change.actions.join() === 'create')).toBe(true);
      expect(others.every((c) => c.address.includes('worker-node-3'))).toBe(true);
    });
  },
);
