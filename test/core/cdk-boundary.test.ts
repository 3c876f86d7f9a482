import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../support/tools';

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('the cdktf boundary (DESIGN decision 1)', () => {
  it('only lib/core/cdk.ts imports cdktf', () => {
    const importers = tsFiles(path.join(ROOT, 'lib'))
      .filter((f) =>
        /from\s+['"]cdktf['"]|require\(\s*['"]cdktf['"]\s*\)|import\(\s*['"]cdktf['"]\s*\)/.test(
          fs.readFileSync(f, 'utf8'),
        ),
      )
      .map((f) => path.relative(ROOT, f));
    expect(importers).toEqual(['lib/core/cdk.ts']);
  });

  it('lib/config imports neither cdktf nor constructs', () => {
    const dir = path.join(ROOT, 'lib', 'config');
    const offenders = (fs.existsSync(dir) ? tsFiles(dir) : []).filter((f) =>
      /from\s+['"](cdktf|constructs)['"]|core\/cdk['"]/.test(fs.readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it.each([
    ['lib/hosting', /from\s+['"][^'"]*\/(openstack|docker|\.gen)(\/[^'"]*)?['"]/],
    ['lib/docker', /from\s+['"][^'"]*\/(openstack|\.gen)(\/[^'"]*)?['"]/],
  ])('%s imports no other backend (a second backend reuses the neutral layers)', (dir, forbidden) => {
    const abs = path.join(ROOT, dir);
    const files = fs.existsSync(abs) ? tsFiles(abs) : [];
    const offenders = files.filter((f) => forbidden.test(fs.readFileSync(f, 'utf8')));
    expect(offenders.map((f) => path.relative(ROOT, f))).toEqual([]);
    if (dir === 'lib/hosting') expect(files.length).toBeGreaterThan(0);
  });
});
