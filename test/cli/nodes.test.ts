import { spawnSync } from 'child_process';
import * as path from 'path';
import { run } from '../../lib/cli/main';
import { ROOT, tempDir } from '../support/tools';

/** Runs the command in this process and collects what it writes. */
async function webfarm(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await run(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: tempDir(),
  });
  return { status, stdout, stderr };
}

describe('webfarm nodes: usage', () => {
  it('prints its help from bin/webfarm.js', () => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'webfarm.js'), 'nodes', '--help'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: webfarm nodes get|add|delete POOL');
  });

  it.each([
    [['nodes'], 'nodes needs get, add or delete'],
    [['nodes', 'list', 'web'], 'unknown nodes verb "list"'],
    [['nodes', 'add', 'web', '--config', 'x.json'], 'nodes add needs at least one HOST:PORT'],
    [['nodes', 'get', 'web'], 'nodes needs either --balancer STACK/PATH'],
    [['nodes', 'get', 'web', '--balancer', 'Balancer'], '--balancer needs STACK/PATH'],
    [
      ['nodes', 'get', 'web', '--balancer', 'web/Balancer', '--address', 'lb-1'],
      '--address needs HOST=ADDRESS',
    ],
    [
      ['nodes', 'get', 'web', '--balancer', 'web/Balancer'],
      'stack "web" is not allowed; allowed: a stack synthesized',
    ],
    [['nodes', 'get', 'web', '--config', 'missing.json'], 'cannot read --config missing.json'],
  ])('%j exits 2: %s', async (args, message) => {
    const result = await webfarm(args);
    expect(result.stderr).toContain(message);
    expect(result.status).toBe(2);
  });
});
