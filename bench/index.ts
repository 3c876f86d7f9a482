/**
 * `npm run bench`: three groups, one table each, and `bench/results.json` (git-ignored).
 *
 * 1. synth: the same deployment built with webfarm ("ours") and declared directly with the
 *    generated bindings ("raw", bench/stacks.ts), as whole processes (start-up included), at
 *    several workers/pools sizes, interleaved repetitions, wall time and peak RSS.
 * 2. data plane: wrk on loopback through our rendered nginx and HAProxy, a bare HAProxy, the
 *    seed-style nginx, and directly to a backend (bench/data-plane.ts).
 * 3. review: `webfarm review --base` on N - 1 workers against N, as a whole process.
 *
 * Machines here are shared and noisy: read the ratios (both sides measured in the same run,
 * interleaved), not the absolute numbers. BENCH_REPS (default 3, at least 3) and
 * BENCH_WRK_SECONDS (default 10) change the repetitions and the length of each wrk run;
 * BENCH_SIZES ("10/10,100/50") and BENCH_REVIEW_WORKERS ("100") the sizes, for a quick look;
 * BENCH_GROUPS ("synth,data", default all three) the groups that run.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DataPlaneResult, TARGETS, TargetName, WrkRun, dataPlane } from './data-plane';
import { ProcessRun, median, min, runNode, table } from './processes';

const ROOT = path.resolve(__dirname, '..');
const RUN_TS = path.join(ROOT, 'scripts', 'run-ts.js');
const REPS = Math.max(3, Number(process.env.BENCH_REPS ?? 3));
const WRK_SECONDS = Number(process.env.BENCH_WRK_SECONDS ?? 10);
const SYNTH_SIZES: ReadonlyArray<readonly [number, number]> = (
  process.env.BENCH_SIZES ?? '10/10,100/50,1000/100,1000/10'
)
  .split(',')
  .map((s) => s.split('/').map(Number) as [number, number]);
const REVIEW_WORKERS = (process.env.BENCH_REVIEW_WORKERS ?? '100,1000').split(',').map(Number);
const REVIEW_POOLS = 10;
const GROUPS = new Set((process.env.BENCH_GROUPS ?? 'synth,data,review').split(',').map((g) => g.trim()));
for (const g of GROUPS) {
  if (!['synth', 'data', 'review'].includes(g)) {
    process.stderr.write(`bench: unknown group '${g}' in BENCH_GROUPS (synth, data, review)\n`);
    process.exit(2);
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'webfarm-bench-'));
const f = (n: number, digits = 2) => n.toFixed(digits);
const x = (n: number) => `${n.toFixed(2)}×`;

interface Target {
  readonly what: string;
  readonly value: number;
  readonly limit: string;
  readonly met: boolean;
}
const targets: Target[] = [];
function target(what: string, value: number, limit: number, atMost: boolean): void {
  targets.push({
    what,
    value,
    limit: `${atMost ? '≤' : '≥'} ${limit}`,
    met: atMost ? value <= limit : value >= limit,
  });
}

function synthCase(kind: 'ours' | 'raw', workers: number, pools: number): ProcessRun & { resources: number } {
  const out = path.join(work, `synth-${kind}-${workers}-${pools}`);
  fs.rmSync(out, { recursive: true, force: true });
  const run = runNode(
    [RUN_TS, path.join(__dirname, 'synth-case.ts'), kind, String(workers), String(pools), out],
    {
      cwd: ROOT,
    },
  );
  fs.rmSync(out, { recursive: true, force: true });
  return {
    ...run,
    resources: (JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { resources: number }).resources,
  };
}

function synthGroup(): Record<string, unknown>[] {
  // Warm-up (not counted): fills the transpile cache and the OS's file cache for both sides.
  synthCase('ours', 10, 10);
  synthCase('raw', 10, 10);
  const runs = new Map<string, { ours: ProcessRun[]; raw: ProcessRun[]; resources: [number, number] }>();
  for (let rep = 0; rep < REPS; rep++) {
    for (const [workers, pools] of SYNTH_SIZES) {
      const key = `${workers}/${pools}`;
      // A B, then B A: neither side always runs first.
      const order: Array<'ours' | 'raw'> = rep % 2 === 0 ? ['ours', 'raw'] : ['raw', 'ours'];
      for (const kind of order) {
        const run = synthCase(kind, workers, pools);
        const entry = runs.get(key) ?? { ours: [], raw: [], resources: [0, 0] };
        entry[kind].push(run);
        entry.resources[kind === 'ours' ? 0 : 1] = run.resources;
        runs.set(key, entry);
        process.stderr.write(`synth ${kind} ${key}: ${f(run.seconds)} s, ${f(run.peakRssMb, 0)} MiB\n`);
      }
    }
  }
  const rows: Record<string, unknown>[] = [];
  for (const [size, r] of runs) {
    const t = (runs: ProcessRun[]) => runs.map((p) => p.seconds);
    const m = (runs: ProcessRun[]) => runs.map((p) => p.peakRssMb);
    rows.push({
      size,
      resources: { ours: r.resources[0], raw: r.resources[1] },
      seconds: {
        ours: { min: min(t(r.ours)), median: median(t(r.ours)), runs: t(r.ours) },
        raw: { min: min(t(r.raw)), median: median(t(r.raw)), runs: t(r.raw) },
      },
      peakRssMb: {
        ours: { min: min(m(r.ours)), median: median(m(r.ours)), runs: m(r.ours) },
        raw: { min: min(m(r.raw)), median: median(m(r.raw)), runs: m(r.raw) },
      },
      timeRatio: median(t(r.ours)) / median(t(r.raw)),
      rssRatio: median(m(r.ours)) / median(m(r.raw)),
    });
  }
  type Row = {
    size: string;
    resources: { ours: number; raw: number };
    seconds: Record<'ours' | 'raw', { min: number; median: number }>;
    peakRssMb: Record<'ours' | 'raw', { min: number; median: number }>;
    timeRatio: number;
    rssRatio: number;
  };
  const typed = rows as unknown as Row[];
  process.stdout.write(
    `\n## 1. synth, whole processes (${REPS} interleaved runs each; time and RSS: min / median)\n\n` +
      table(
        [
          'workers/pools',
          'resources ours / raw',
          'ours s',
          'raw s',
          'time ours/raw',
          'ours MiB',
          'raw MiB',
          'RSS ours/raw',
        ],
        typed.map((r) => [
          r.size,
          `${r.resources.ours} / ${r.resources.raw}`,
          `${f(r.seconds.ours.min)} / ${f(r.seconds.ours.median)}`,
          `${f(r.seconds.raw.min)} / ${f(r.seconds.raw.median)}`,
          x(r.timeRatio),
          `${f(r.peakRssMb.ours.min, 0)} / ${f(r.peakRssMb.ours.median, 0)}`,
          `${f(r.peakRssMb.raw.min, 0)} / ${f(r.peakRssMb.raw.median, 0)}`,
          x(r.rssRatio),
        ]),
      ),
  );
  const bySize = new Map(typed.map((r) => [r.size, r]));
  for (const r of typed) {
    if (r.size === '1000/10') continue;
    target(`synth ${r.size} time ours/raw`, r.timeRatio, 1.3, true);
    target(`synth ${r.size} peak RSS ours/raw`, r.rssRatio, 1.3, true);
  }
  const big = bySize.get('1000/100');
  const mid = bySize.get('100/50');
  if (big && mid) {
    const ours = big.seconds.ours.median / mid.seconds.ours.median;
    const raw = big.seconds.raw.median / mid.seconds.raw.median;
    process.stdout.write(`\ntime(1000/100) / time(100/50): ours ${x(ours)}, raw ${x(raw)}\n`);
    target('synth ours time(1000/100)/time(100/50)', ours, 12, true);
  }
  return rows;
}

function dataPlaneGroup(result: DataPlaneResult): Record<string, unknown> {
  if (result.skipped) {
    process.stdout.write(`\n## 2. data plane\n\n*** SKIPPED: ${result.skipped} ***\n`);
    return { skipped: result.skipped };
  }
  const med = (t: TargetName, pick: (r: WrkRun) => number | undefined) => {
    const values = (result.runs[t] ?? []).map(pick).filter((v): v is number => v !== undefined);
    return values.length ? median(values) : undefined;
  };
  const rps = (t: TargetName) => med(t, (r) => r.requestsPerSecond) ?? 0;
  const summary = TARGETS.map((t) => ({
    target: t,
    requestsPerSecond: rps(t),
    p50Ms: med(t, (r) => r.p50Ms),
    p99Ms: med(t, (r) => r.p99Ms),
    errors: (result.runs[t] ?? []).reduce((sum, r) => sum + r.errors, 0),
    timeWait: med(t, (r) => r.timeWait),
    proxyCpuUsPerRequest: med(t, (r) => r.proxyCpuUsPerRequest),
    vsSeed: rps(t) / rps('seed-nginx'),
    vsDirect: rps(t) / rps('direct'),
  }));
  process.stdout.write(
    `\n## 2. data plane: ${result.wrk}, ${REPS} interleaved runs of ${WRK_SECONDS} s (medians; errors summed)\n\n` +
      table(
        [
          'target',
          'req/s',
          'p50 ms',
          'p99 ms',
          'errors',
          'TIME_WAIT after',
          'proxy CPU µs/req',
          '× seed',
          '× direct',
        ],
        summary.map((s) => [
          s.target,
          f(s.requestsPerSecond, 0),
          f(s.p50Ms ?? NaN),
          f(s.p99Ms ?? NaN),
          String(s.errors),
          f(s.timeWait ?? NaN, 0),
          s.proxyCpuUsPerRequest === undefined ? '-' : f(s.proxyCpuUsPerRequest, 1),
          x(s.vsSeed),
          x(s.vsDirect),
        ]),
      ),
  );
  const of = (t: TargetName) => summary.find((s) => s.target === t)!;
  target('nginx req/s ours/seed', of('ours-nginx').vsSeed, 2.5, false);
  target('HAProxy req/s ours/seed', of('ours-haproxy').vsSeed, 3, false);
  target('HAProxy req/s ours/direct', of('ours-haproxy').vsDirect, 0.7, false);
  target(
    'errors through our nginx and HAProxy',
    of('ours-nginx').errors + of('ours-haproxy').errors,
    0,
    true,
  );
  return { wrk: result.wrk, seconds: WRK_SECONDS, summary, runs: result.runs };
}

function reviewGroup(): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const workers of REVIEW_WORKERS) {
    const base = path.join(work, `review-base-${workers}`);
    const next = path.join(work, `review-next-${workers}`);
    const synth = (n: number, out: string) =>
      runNode([RUN_TS, path.join(__dirname, 'synth-case.ts'), 'ours', String(n), String(REVIEW_POOLS), out], {
        cwd: ROOT,
      });
    // A WorkerGroup holds at most 1,000 nodes: the pair is N - 1 → N workers.
    synth(workers - 1, base);
    synth(workers, next);
    const runs: ProcessRun[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      runs.push(
        runNode([path.join(ROOT, 'bin', 'webfarm.js'), 'review', '--base', base, next], { cwd: ROOT }),
      );
    }
    const seconds = runs.map((r) => r.seconds);
    const rss = runs.map((r) => r.peakRssMb);
    rows.push({
      workers: `${workers - 1} → ${workers}`,
      pools: REVIEW_POOLS,
      markdownBytes: Buffer.byteLength(runs[0].stdout),
      seconds: { min: min(seconds), median: median(seconds), runs: seconds },
      peakRssMb: { min: min(rss), median: median(rss), runs: rss },
    });
    if (workers === 1000) target('review --base 999 → 1000 workers, seconds', median(seconds), 2, true);
  }
  type Row = {
    workers: string;
    pools: number;
    markdownBytes: number;
    seconds: { min: number; median: number };
    peakRssMb: { min: number; median: number };
  };
  process.stdout.write(
    `\n## 3. webfarm review --base, whole process (${REPS} runs; min / median)\n\n` +
      table(
        ['workers', 'pools', 'Markdown bytes', 'seconds', 'peak MiB'],
        (rows as unknown as Row[]).map((r) => [
          r.workers,
          String(r.pools),
          String(r.markdownBytes),
          `${f(r.seconds.min)} / ${f(r.seconds.median)}`,
          `${f(r.peakRssMb.min, 0)} / ${f(r.peakRssMb.median, 0)}`,
        ]),
      ),
  );
  return rows;
}

async function main(): Promise<void> {
  const started = Date.now();
  const machine = { cpus: os.cpus().length, loadAverage: os.loadavg(), node: process.version };
  process.stdout.write(
    `webfarm bench: ${machine.cpus} CPUs, load ${machine.loadAverage.map((l) => l.toFixed(1)).join(' ')}, node ${machine.node}\n`,
  );
  const synth = GROUPS.has('synth') ? synthGroup() : undefined;
  const data = GROUPS.has('data') ? dataPlaneGroup(await dataPlane(WRK_SECONDS, REPS)) : undefined;
  const review = GROUPS.has('review') ? reviewGroup() : undefined;
  process.stdout.write(
    `\n## Targets (ratios from this run)\n\n` +
      table(
        ['target', 'measured', 'limit', 'met'],
        targets.map((t) => [t.what, f(t.value), t.limit, t.met ? 'yes' : '**NO**']),
      ),
  );
  const results = {
    date: new Date().toISOString(),
    machine,
    reps: REPS,
    groups: [...GROUPS],
    synth,
    dataPlane: data,
    review,
    targets,
    seconds: (Date.now() - started) / 1000,
  };
  fs.writeFileSync(path.join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nwrote bench/results.json in ${f(results.seconds, 0)} s\n`);
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
  fs.rmSync(work, { recursive: true, force: true });
  process.exit(1);
});
