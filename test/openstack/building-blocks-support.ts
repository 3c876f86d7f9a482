import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack, Testing } from '../../lib/core/cdk';
import { INetwork, Network } from '../../lib/openstack';
import { StackJson, resourceAt, writeStack } from '../support/synth';
import { tempDir, tfsim } from '../support/tools';

/** A stack on the network a research cloud hands out, as most tests use. */
export function stackOnNetwork(app: App, name = 'test'): { stack: TerraformStack; network: INetwork } {
  const stack = new TerraformStack(app, name);
  return { stack, network: Network.fromName(stack, 'Network', 'auto_allocated_network') };
}

/**
 * The synthesized stack WITH the `//` metadata blocks (where host manifests live), which
 * `Testing.synth` strips. Runs aspects and validations first, as `Testing.synth(stack, true)`.
 */
export function synthWithMetadata(stack: TerraformStack): StackJson {
  Testing.synth(stack, true);
  return JSON.parse(JSON.stringify(stack.toTerraform())) as StackJson;
}

/**
 * The one resource of `type` at construct path `part` (its last components; a trailing `_` of
 * older call sites is ignored): {@link resourceAt}.
 */
export function resourceNamed(json: StackJson, type: string, part: string): Record<string, unknown> {
  return resourceAt(json, type, part.replace(/_$/, ''));
}

/**
 * Terraform string text as a tool would see it after apply, without running Terraform:
 * references `${…}` become `placeholder`, then the escapes `$${`/`%%{` become `${`/`%{`.
 */
export function withPlaceholders(text: string, placeholder = 'PLACEHOLDER'): string {
  return text
    .replace(/(^|[^$])\$\{[^}]*\}/g, (_m, before: string) => `${before}${placeholder}`)
    .replace(/([$%])\1\{/g, (_m, sigil: string) => `${sigil}{`);
}

/** One planned resource change of `terraform show -json` (the parts tests read). */
export interface PlannedChange {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly change: {
    readonly actions: string[];
    readonly after: Record<string, unknown> | null;
    readonly replace_paths?: unknown[];
  };
}

/**
 * Runs `tfsim plan` (the real Terraform on simulated providers) on a synthesized stack and
 * returns the planned resource changes: Terraform's own evaluation of our strings. With `base`,
 * the base stack is applied first and the plan is the change from it.
 */
export function tfsimPlan(json: StackJson, base?: StackJson): { output: string; changes: PlannedChange[] } {
  const dir = writeStack(json, 'test');
  const out = path.join(tempDir(), 'plan.json');
  const args = ['plan', '--json', out, ...(base ? ['--base', writeStack(base, 'test')] : []), dir];
  const result = tfsim(args);
  if (result.status !== 0) throw new Error(`tfsim plan failed:\n${result.output}`);
  const plan = JSON.parse(fs.readFileSync(out.replace(/\.json$/, '.test.json'), 'utf8')) as {
    resource_changes?: PlannedChange[];
  };
  return { output: result.output, changes: plan.resource_changes ?? [] };
}

/** `tfsim validate` on a synthesized stack: '' when clean, else its output. */
export function tfsimValidateProblems(json: StackJson): string {
  const result = tfsim(['validate', '-q', writeStack(json, 'test')]);
  return result.status === 0 && /\b0 problems\b/.test(result.output) ? '' : result.output;
}
