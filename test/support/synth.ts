import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack, Testing } from '../../lib/core/cdk';
import { tempDir, tfcheck } from './tools';

/** A synthesized stack as parsed JSON. */
export type StackJson = {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, Record<string, unknown>>;
  terraform?: Record<string, unknown>;
  provider?: Record<string, unknown>;
  [key: string]: unknown;
};

/** Synthesizes a stack built by `build` in a fresh app, running validations. */
export function synthStack(build: (app: App) => TerraformStack): StackJson {
  const app = Testing.app();
  const stack = build(app);
  return JSON.parse(Testing.synth(stack, true)) as StackJson;
}

/** All resources of one Terraform type, keyed by their logical name. */
export function resourcesOf(json: StackJson, type: string): Record<string, Record<string, unknown>> {
  return json.resource?.[type] ?? {};
}

/** Writes a synthesized stack into a cdktf.out-shaped folder and returns that folder. */
export function writeStack(json: StackJson, name = 'test', dir = tempDir()): string {
  const stackDir = path.join(dir, 'stacks', name);
  fs.mkdirSync(stackDir, { recursive: true });
  fs.writeFileSync(path.join(stackDir, 'cdk.tf.json'), JSON.stringify(json, null, 2));
  return dir;
}

/** tfcheck's verdict on one synthesized stack: its output when there are problems, '' when clean. */
export function tfcheckProblems(json: StackJson): string {
  const result = tfcheck(writeStack(json));
  return result.status === 0 && /\b0 problems\b/.test(result.output) ? '' : result.output;
}
