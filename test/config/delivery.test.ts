import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { renderApplyScript } from '../../lib/config/delivery';
import { tempDir } from '../support/tools';

/** `user:group` of whoever runs the tests (the script installs files with that owner). */
function currentOwner(): string {
  const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
  return `${user}:${group}`;
}

describe('the in-place install script (run with sh)', () => {
  function stage(check: string) {
    const dir = tempDir('webfarm-apply-');
    const stageDir = path.join(dir, 'stage');
    const target = path.join(dir, 'etc/app/app.conf');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, 'old\n');
    fs.mkdirSync(stageDir, { mode: 0o700 });
    // The staged copy may hold a secret (an HAProxy stats password, say).
    fs.writeFileSync(path.join(stageDir, '1'), 'new with secret\n');
    const script = renderApplyScript({
      name: 'app',
      stageDir,
      files: [{ path: target, owner: currentOwner(), mode: '0600' }],
      check,
      reload: 'true',
      waitForCloudInit: false,
    });
    fs.writeFileSync(path.join(stageDir, 'apply.sh'), script);
    const result = spawnSync('sh', [path.join(stageDir, 'apply.sh')], { encoding: 'utf8' });
    return { result, stageDir, target };
  }

  it('GIVEN a new file the check rejects WHEN the script runs THEN the old file is back AND the staging directory is gone', () => {
    // WHEN
    const { result, stageDir, target } = stage('false');
    // THEN the push fails, the previous file is in place
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("the check rejected the new 'app' configuration");
    expect(fs.readFileSync(target, 'utf8')).toBe('old\n');
    // AND nothing is left behind: no staged secret, and no root-owned backup directory that a
    // non-root login user could not remove before the next push
    expect(fs.existsSync(stageDir)).toBe(false);
  });

  it('GIVEN a new file the check accepts WHEN the script runs THEN it is installed AND the staging directory is gone', () => {
    const { result, stageDir, target } = stage('true');
    expect(result.status).toBe(0);
    expect(fs.readFileSync(target, 'utf8')).toBe('new with secret\n');
    expect(fs.existsSync(stageDir)).toBe(false);
  });
});
