import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ApplyScriptModel, renderApplyScript } from '../../lib/config/delivery';
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

describe('the in-place install script: validation', () => {
  const model = {
    name: 'nginx',
    stageDir: '/var/tmp/webfarm-nginx',
    files: [{ path: '/etc/nginx/webfarm/pools/web.conf' }],
    check: 'nginx -t',
    reload: 'systemctl reload nginx',
  };

  it('fails on a file owner without a group', () => {
    expect(() =>
      renderApplyScript({ ...model, files: [{ path: '/etc/haproxy/haproxy.cfg', owner: 'haproxy' }] }),
    ).toThrow(
      `apply script 'nginx': owner of /etc/haproxy/haproxy.cfg "haproxy" is not allowed; allowed: "user:group". Fix: name both the user and the group, e.g. "root:haproxy"`,
    );
  });

  it('fails on a file mode that is not octal', () => {
    expect(() =>
      renderApplyScript({ ...model, files: [{ path: '/etc/haproxy/haproxy.cfg', mode: 'rw-r-----' }] }),
    ).toThrow(
      `apply script 'nginx': mode of /etc/haproxy/haproxy.cfg "rw-r-----" is not allowed; allowed: an octal mode such as "0640". Fix: write the mode in octal`,
    );
    expect(() => renderApplyScript({ ...model, files: [{ path: '/etc/x.cfg', mode: '0648' }] })).toThrow(
      `apply script 'nginx': mode of /etc/x.cfg "0648" is not allowed;`,
    );
  });

  it('fails on a managed directory pattern that the shell would expand or split', () => {
    for (const pattern of ['*.conf; rm -rf /', '$(id)', 'a b', '../*']) {
      expect(() =>
        renderApplyScript({ ...model, managedDirectories: [{ path: '/etc/nginx/webfarm/pools', pattern }] }),
      ).toThrow(
        `apply script 'nginx': managed directory pattern ${JSON.stringify(pattern)} is not allowed; allowed: a file glob such as "*.conf". Fix: use letters, digits, ".", "-", "_", "*" and "?"`,
      );
    }
  });

  it('fails on a file path that is a Terraform reference', () => {
    expect(() => renderApplyScript({ ...model, files: [{ path: '${TfToken[TOKEN.7]}' }] })).toThrow(
      `apply script 'nginx': file path "\${TfToken[TOKEN.7]}" is not allowed; allowed: a literal absolute path. Fix: paths of pushed files must be known at synth time`,
    );
  });

  it('fails on a relative, spaced or climbing path', () => {
    const cases: Array<[string, string, Partial<ApplyScriptModel>]> = [
      ['file path', 'etc/nginx/nginx.conf', { files: [{ path: 'etc/nginx/nginx.conf' }] }],
      ['file path', '/etc/nginx/../shadow', { files: [{ path: '/etc/nginx/../shadow' }] }],
      ['stageDir', '/var/tmp/webfarm nginx', { stageDir: '/var/tmp/webfarm nginx' }],
      [
        'managed directory',
        '/etc/nginx/webfarm/..',
        { managedDirectories: [{ path: '/etc/nginx/webfarm/..', pattern: '*' }] },
      ],
    ];
    for (const [what, value, bad] of cases) {
      expect(() => renderApplyScript({ ...model, ...bad })).toThrow(
        `apply script 'nginx': ${what} ${JSON.stringify(value)} is not allowed; allowed: an absolute path of letters, digits and ._@+/- without "..". Fix: give a plain absolute path`,
      );
    }
  });
});
