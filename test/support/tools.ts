import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const { recordNotice } = require('./notices') as { recordNotice: (text: string) => void };

/** The project root. */
export const ROOT = path.resolve(__dirname, '..', '..');
/** The shared tools folder beside the project (tfcheck, tfsim). */
export const SHARED_TOOLS = path.resolve(ROOT, '..', 'shared', 'tools');

/** Full path of `bin` on PATH (or in /usr/sbin, /sbin), or undefined. */
export function which(bin: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, bin);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * `describe` when every tool in `bins` is present. Otherwise: under `CI=true` a failing test
 * (a missing daemon in CI is a broken install step); elsewhere a loud notice and skipped tests.
 */
export function describeWithTools(bins: string[], name: string, fn: () => void): void {
  const missing = bins.filter((b) => !resolveTool(b));
  if (missing.length === 0) {
    describe(name, fn);
    return;
  }
  const notice = `${name}: missing ${missing.join(', ')}`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it(`has ${missing.join(', ')} installed (CI=true makes a missing tool a failure)`, () => {
        throw new Error(`${notice}; .ci/run must install it`);
      });
    });
    return;
  }
  process.stderr.write(
    `\n*** SKIPPING "${name}": ${missing.join(', ')} not found. Install as .ci/run does. ***\n`,
  );
  recordNotice(notice);
  (describe.skip as jest.Describe)(name, fn);
}

function resolveTool(bin: string): string | undefined {
  if (bin === 'tfcheck' || bin === 'tfsim') {
    const p = path.join(SHARED_TOOLS, bin);
    return fs.existsSync(p) ? p : undefined;
  }
  return which(bin);
}

/** Runs ../shared/tools/tfcheck on a folder or file; returns its output and exit status. */
export function tfcheck(target: string): { status: number; output: string } {
  const result = spawnSync(path.join(SHARED_TOOLS, 'tfcheck'), [target], { encoding: 'utf8' });
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

/** Runs ../shared/tools/tfsim with arguments; returns its output and exit status. */
export function tfsim(args: string[], env: Record<string, string> = {}): { status: number; output: string } {
  const result = spawnSync(path.join(SHARED_TOOLS, 'tfsim'), args, {
    encoding: 'utf8',
    timeout: 300000,
    env: { ...process.env, ...env },
  });
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

/** A fresh temporary folder (removed by the OS; tests clean up what they start). */
export function tempDir(prefix = 'webfarm-test-'): string {
  return fs.mkdtempSync(path.join(require('os').tmpdir(), prefix));
}

/** Runs a command and returns stdout; throws with stderr on failure. */
export function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...options });
}

/**
 * Writes a throw-away self-signed EC certificate for `localhost` (and 127.0.0.1), valid two
 * days, and its unencrypted key, with openssl.
 */
export function writeSelfSignedCertificate(certFile: string, keyFile: string): void {
  run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
}

/**
 * `describe` when a Docker engine answers and holds `images` (and terraform and tfsim are
 * there): the live tests of the laptop twin. Otherwise, as {@link describeWithTools}: under
 * `CI=true` a failing test (`.ci/run` starts the engine with `dockerd-up` and builds the images
 * with `docker-standins`), elsewhere a loud notice and skipped tests.
 */
export function describeWithDocker(images: string[], name: string, fn: () => void): void {
  const missing: string[] = [];
  if (!which('terraform')) missing.push('terraform');
  if (!fs.existsSync(path.join(SHARED_TOOLS, 'tfsim'))) missing.push('tfsim');
  if (!which('docker')) missing.push('docker (the CLI)');
  else {
    const engine = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
      encoding: 'utf8',
      timeout: 20000,
    });
    if (engine.status !== 0) missing.push(`a Docker engine (run ${SHARED_TOOLS}/dockerd-up)`);
    else {
      const absent = images.filter(
        (image) => spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status !== 0,
      );
      if (absent.length) missing.push(`images ${absent.join(', ')} (run ${SHARED_TOOLS}/docker-standins)`);
    }
  }
  if (missing.length === 0) {
    describe(name, fn);
    return;
  }
  const notice = `${name}: missing ${missing.join('; ')}`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has a Docker engine with the images (CI=true makes their absence a failure)', () => {
        throw new Error(`${notice}; .ci/run must provide them`);
      });
    });
    return;
  }
  process.stderr.write(`\n*** SKIPPING "${name}": ${missing.join('; ')}. ***\n`);
  recordNotice(notice);
  (describe.skip as jest.Describe)(name, fn);
}
