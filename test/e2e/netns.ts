import { ChildProcess, SpawnOptions, spawn, spawnSync } from 'child_process';
import { describeWithTools, run } from '../support/tools';

const { recordNotice } = require('../support/notices') as { recordNotice: (text: string) => void };

/**
 * Network namespaces made by a test: every address the test uses is one it assigns inside them,
 * and they are deleted when the test ends.
 */

let probed: string | undefined;

/** `''` when `ip netns add` works here, else why not. */
export function namespaceProblem(): string {
  if (probed !== undefined) return probed;
  const name = `wfprobe${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
  if (add.status === 0) {
    spawnSync('ip', ['netns', 'del', name]);
    probed = '';
  } else {
    probed = `ip netns add failed: ${(add.stderr || add.error?.message || 'unknown error').trim()}`;
  }
  return probed;
}

/**
 * `describeWithTools(bins, …)` that also needs network namespaces: when `ip netns add` fails the
 * suite is skipped loudly (a failure under `CI=true`).
 */
export function describeWithNamespaces(bins: string[], name: string, fn: () => void): void {
  describeWithTools(['ip', ...bins], name, () => {
    const problem = namespaceProblem();
    if (!problem) {
      fn();
      return;
    }
    if (process.env.CI === 'true') {
      it('can make network namespaces (CI=true makes this a failure)', () => {
        throw new Error(`${name}: ${problem}`);
      });
      return;
    }
    process.stderr.write(`\n*** SKIPPING "${name}": ${problem}. Run as root with iproute2. ***\n`);
    recordNotice(`${name}: ${problem}`);
    (describe.skip as jest.Describe)('needs network namespaces', fn);
  });
}

/** One network namespace. */
export class Netns {
  private readonly children: ChildProcess[] = [];

  /** Creates namespace `name` with its loopback up. */
  constructor(public readonly name: string) {
    run('ip', ['netns', 'add', name]);
    this.ip('link', 'set', 'lo', 'up');
  }

  /** `ip -n <name> …`. */
  public ip(...args: string[]): string {
    return run('ip', ['-n', this.name, ...args]);
  }

  /** Runs a command inside the namespace and returns its stdout (throws on failure). */
  public exec(cmd: string, args: string[] = [], options: { input?: string } = {}): string {
    return run('ip', ['netns', 'exec', this.name, cmd, ...args], options);
  }

  /** Runs a command inside the namespace; returns status and output, never throws. */
  public try(cmd: string, args: string[] = []): { status: number; output: string } {
    const r = spawnSync('ip', ['netns', 'exec', this.name, cmd, ...args], { encoding: 'utf8' });
    return { status: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  }

  /** Starts a long-running command inside the namespace (stopped by {@link Netns.destroy}). */
  public spawn(cmd: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: 'ignore', ...options });
    this.children.push(child);
    return child;
  }

  /** The IPv4 addresses on `device`. */
  public addresses(device: string): string[] {
    const out = this.ip('-4', '-o', 'addr', 'show', 'dev', device);
    return [...out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]);
  }

  /** Stops what {@link Netns.spawn} started and deletes the namespace. */
  public async destroy(): Promise<void> {
    await Promise.all(this.children.map((c) => stop(c)));
    spawnSync('ip', ['netns', 'del', this.name]);
  }
}

/** Sends SIGTERM, then SIGKILL after 2 s; resolves when the process is gone. */
export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A veth pair between two namespaces, with the given names on each side. */
export function veth(a: Netns, aName: string, b: Netns, bName: string): void {
  run('ip', ['link', 'add', aName, 'netns', a.name, 'type', 'veth', 'peer', 'name', bName, 'netns', b.name]);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every `everyMs` until it is true or `timeoutMs` passed; returns whether it became true. */
export async function waitFor(check: () => boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(everyMs);
  }
  return check();
}
