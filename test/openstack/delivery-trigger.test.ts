import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from '../../lib/core/cdk';
import { Algorithm } from '../../lib/core/balancing';
import { Peer } from '../../lib/core/peer';
import { Port } from '../../lib/core/port';
import { StackJson, resourcesOf, synthStack, writeStack } from '../support/synth';
import { SHARED_TOOLS, describeWithTools, tempDir } from '../support/tools';
import { BalancerFixture, buildBalancerStack } from '../e2e/balancer-fixture';

/**
 * The push trigger (`triggers_replace` of the delivery's `terraform_data`) must change when, and
 * only when, the text Terraform completes for a pushed file changes: a literal part (hashed at
 * synth) or the value of a reference in it (resolved by Terraform). Terraform's own plan
 * (tfsim: the real terraform on simulated providers) is the judge.
 */

interface Variant extends BalancerFixture {
  /** An unrelated rule on the workers' group (the balancer's files do not mention it). */
  readonly unrelatedRule?: boolean;
  /** Moves the workers' ports to another network: Terraform replaces them, so every address changes. */
  readonly portsElsewhere?: boolean;
}

interface Case {
  readonly name: string;
  readonly before: Variant;
  readonly after: Variant;
  /** Whether the files' literal text is the same on both sides (then only references may differ). */
  readonly sameLiterals: boolean;
  /** Terraform's verdict on the push. */
  readonly push: 'no-op' | 'replace';
}

const CASES: Case[] = [
  {
    name: 'an unrelated security-group rule is added',
    before: {},
    after: { unrelatedRule: true },
    sameLiterals: true,
    push: 'no-op',
  },
  {
    name: "the workers' ports are replaced (every address changes, no literal does)",
    before: {},
    after: { portsElsewhere: true },
    sameLiterals: true,
    push: 'replace',
  },
  {
    name: 'the algorithm changes (a literal changes, no address does)',
    before: {},
    after: { algorithm: Algorithm.leastConnections() },
    sameLiterals: false,
    push: 'replace',
  },
];

function synth(variant: Variant): StackJson {
  return synthStack((app: App) => {
    const { stack, workers } = buildBalancerStack(app, 'lb', variant);
    if (variant.unrelatedRule) {
      workers.connections.allowFrom(Peer.cidr('198.51.100.0/24'), Port.tcp(9100), 'metrics scraper');
    }
    if (variant.portsElsewhere) {
      // The same construct tree and text; network_id is ForceNew, so new ports, new addresses.
      for (const host of workers.hosts) host.port.addOverride('network_id', 'other-network-id');
    }
    return stack;
  });
}

function delivery(json: StackJson): Record<string, unknown> {
  const [[, body]] = Object.entries(resourcesOf(json, 'terraform_data')).filter(([n]) =>
    n.includes('Delivery'),
  );
  return body;
}

describe('The push trigger (two synths)', () => {
  it.each(CASES)('WHEN $name THEN the hash of the literal text changes only with the literals', (c) => {
    const [before, after] = [delivery(synth(c.before)), delivery(synth(c.after))];
    const hash = (d: Record<string, unknown>) =>
      (d.triggers_replace as { config_sha256: string }).config_sha256;
    expect(hash(before)).toMatch(/^[0-9a-f]{64}$/);
    if (c.sameLiterals) expect(hash(after)).toBe(hash(before));
    else expect(hash(after)).not.toBe(hash(before));
  });

  it('WHEN the same stack is synthesized twice in one process THEN the delivery is identical (token numbers do not leak)', () => {
    expect(delivery(synth({}))).toEqual(delivery(synth({})));
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

describeWithTools(['terraform', 'tfsim'], 'The push trigger (terraform plan)', () => {
  const plans = new Map<string, { code: number; output: string; changes: PlannedChange[] }>();

  beforeAll(async () => {
    await Promise.all(
      CASES.map(async (c) => {
        const dir = tempDir('webfarm-trigger-');
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

  it.each(CASES)('WHEN $name THEN Terraform plans the push as $push', (c) => {
    const plan = plans.get(c.name);
    expect(plan?.code).toBe(0);
    expect(plan?.output).toMatch(/\b1 stacks? planned/);
    const pushes = (plan?.changes ?? []).filter(
      (r) => r.address.startsWith('terraform_data.') && r.address.includes('Delivery'),
    );
    expect(pushes).toHaveLength(1);
    expect(pushes[0].change.actions).toEqual(c.push === 'no-op' ? ['no-op'] : ['delete', 'create']);
  });
});
