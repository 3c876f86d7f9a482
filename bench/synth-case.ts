/**
 * One synth measurement as a whole process: `node scripts/run-ts.js bench/synth-case.ts
 * ours|raw WORKERS POOLS OUTDIR`. Builds the stack, synthesizes it into OUTDIR, and prints one
 * JSON line: the resource count (the parent measures the process).
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from '../lib/core/cdk';
import { buildOurs, buildRaw } from './stacks';

const [kind, workers, pools, outdir] = process.argv.slice(2);
if ((kind !== 'ours' && kind !== 'raw') || !outdir) {
  process.stderr.write('usage: synth-case.ts ours|raw WORKERS POOLS OUTDIR\n');
  process.exit(2);
}
const size = { workers: Number(workers), pools: Number(pools) };
const app = new App({ outdir });
(kind === 'ours' ? buildOurs : buildRaw)(app, 'bench', size);
app.synth();
process.stdout.write(`${JSON.stringify({ resources: resourceCount(outdir) })}\n`);

/** The number of resources in the synthesized stack. */
function resourceCount(dir: string): number {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'stacks', 'bench', 'cdk.tf.json'), 'utf8')) as {
    resource?: Record<string, Record<string, unknown>>;
  };
  return Object.values(json.resource ?? {}).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
}
