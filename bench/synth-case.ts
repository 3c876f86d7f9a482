/**
 * One synth measurement as a whole process: `node scripts/run-ts.js bench/synth-case.ts
 * ours|raw WORKERS POOLS OUTDIR`. Builds the stack, synthesizes it into OUTDIR, and prints one
 * JSON line: the resource count and this process's peak RSS (the parent times the process).
 */
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
process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
