import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../support/tools';

describe('webfarm/runtime layering', () => {
  const dir = path.join(ROOT, 'lib', 'runtime');

  it('imports neither cdktf, constructs nor lib/core, lib/config, lib/openstack at run time', () => {
    const offenders = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/^import (?!type )[^;]*from '([^']+)'/gm)]
          .map((m) => m[1])
          .filter((m) => /^(cdktf|constructs)$|^\.\.\//.test(m))
          .map((m) => `${f}: ${m}`),
      );
    expect(offenders).toEqual([]);
  });

  it('loads no cdktf, constructs, core, config or openstack module when imported', () => {
    // GIVEN a fresh Node process that imports webfarm/runtime's entry point
    const script = `
      require(${JSON.stringify(path.join(ROOT, 'scripts', 'register-ts.js'))});
      const runtime = require(${JSON.stringify(path.join(dir, 'index.ts'))});
      const loaded = Object.keys(require.cache).filter((k) => /node_modules\\/(cdktf|constructs)\\/|\\/lib\\/(core|config|openstack|cli)\\//.test(k));
      process.stdout.write(JSON.stringify({ loaded, exports: Object.keys(runtime).sort() }));`;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const { loaded, exports } = JSON.parse(result.stdout) as { loaded: string[]; exports: string[] };
    // THEN none of them is loaded, and the client is there
    expect(loaded).toEqual([]);
    expect(exports).toEqual(expect.arrayContaining(['RuntimeBalancer', 'balancerFromStack', 'parseNode']));
  });

  it('is published as the webfarm/runtime subpath', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
    };
    expect(pkg.exports['./runtime']).toEqual({
      types: './dist/lib/runtime/index.d.ts',
      default: './dist/lib/runtime/index.js',
    });
  });
});
