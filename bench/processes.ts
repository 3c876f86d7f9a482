/** Running a command as a whole process and measuring it: wall time and peak RSS. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** One measured process. */
export interface ProcessRun {
  /** Wall time from spawn to exit, seconds. */
  readonly seconds: number;
  /** Peak resident set size, MiB. */
  readonly peakRssMb: number;
  /** What it printed on stdout. */
  readonly stdout: string;
}

const PRELOAD = path.join(__dirname, 'report-rss.js');

/**
 * Runs `node args…` with bench/report-rss.js preloaded and returns its wall time and peak RSS;
 * throws with its output when it fails.
 */
export function runNode(args: string[], options: { cwd?: string; timeoutSeconds?: number } = {}): ProcessRun {
  const rssFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'webfarm-bench-rss-')), 'rss');
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--require', PRELOAD, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: (options.timeoutSeconds ?? 600) * 1000,
    env: { ...process.env, WEBFARM_BENCH_RSS_FILE: rssFile },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    throw new Error(
      `node ${args.join(' ')} failed (status ${result.status}, ${result.signal ?? 'no signal'}):\n${result.stderr}`,
    );
  }
  const peakRssMb = Number(fs.readFileSync(rssFile, 'utf8')) / 1024;
  fs.rmSync(path.dirname(rssFile), { recursive: true, force: true });
  return { seconds, peakRssMb, stdout: result.stdout };
}

/** The smallest value. */
export function min(values: readonly number[]): number {
  return Math.min(...values);
}

/** The median (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A Markdown table. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const lines = [header, header.map(() => '---'), ...rows];
  return `${lines.map((l) => `| ${l.join(' | ')} |`).join('\n')}\n`;
}
