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

/**
 * The logical name of the one resource of `type` at construct path `constructPath` (below the
 * stack: `Lb/Pool-web`, or its last components: `Pool-web`). It is found by cdktf's logical name
 * (the path's components joined by `_`, `Resource` and `Default` left out, then an 8-character
 * hash), compared component by component, never as a substring of the name.
 */
function logicalNameAt(json: StackJson, type: string, constructPath: string): string {
  const path = constructPath
    .split('/')
    .filter((c) => c !== 'Resource' && c !== 'Default')
    .join('_');
  const names = Object.keys(resourcesOf(json, type));
  const matches = names.filter((name) => {
    const stem = /^(.*)_[0-9A-F]{8}$/.exec(name)?.[1];
    return stem !== undefined && (stem === path || stem.endsWith(`_${path}`));
  });
  if (matches.length !== 1) {
    throw new Error(
      `expected one ${type} at ${constructPath}, found ${matches.join(', ') || 'none'} (${type}: ${names.join(', ')})`,
    );
  }
  return matches[0];
}

/** The one resource of `type` at construct path `constructPath` (see {@link addressAt}). */
export function resourceAt(json: StackJson, type: string, constructPath: string): Record<string, unknown> {
  return resourcesOf(json, type)[logicalNameAt(json, type, constructPath)];
}

/**
 * The address (`type.name`) of the one resource of `type` at construct path `constructPath`
 * (below the stack, or its last components), found by cdktf's logical name component by
 * component, never as a substring.
 */
export function addressAt(json: StackJson, type: string, constructPath: string): string {
  return `${type}.${logicalNameAt(json, type, constructPath)}`;
}
