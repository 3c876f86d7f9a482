import * as fs from 'fs';
import * as path from 'path';
import { TerraformStack } from '../lib/core/cdk';
import { Network } from '../lib';
import { synthStack } from './support/synth';
import { ROOT } from './support/tools';

interface PackageJson {
  exports: Record<string, string | { types: string; default: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
  types: string;
  main: string;
  peerDependencies: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
}

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const subpaths = Object.entries(pkg.exports).filter(
  (e): e is [string, { types: string; default: string }] => typeof e[1] === 'object',
);

describe('package.json as users install it (docs/architecture.md, "The public API")', () => {
  it.each(subpaths.filter(([s]) => s !== '.'))(
    'subpath %s resolves under node10 too: typesVersions names the same .d.ts as exports',
    (subpath, target) => {
      expect(pkg.typesVersions['*'][subpath.slice(2)]).toEqual([target.types.replace(/^\.\//, '')]);
    },
  );

  it('typesVersions maps nothing that exports does not export', () => {
    const mapped = Object.keys(pkg.typesVersions['*']).map((k) => `./${k}`);
    expect(mapped.filter((s) => !(s in pkg.exports))).toEqual([]);
  });

  it.each(subpaths)('subpath %s is compiled from a lib/ entry file that exists', (_subpath, target) => {
    expect(target.types).toMatch(/^\.\/dist\/lib\/.+\.d\.ts$/);
    expect(target.default).toBe(target.types.replace(/\.d\.ts$/, '.js'));
    const source = path.join(ROOT, target.types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts'));
    expect(fs.existsSync(source)).toBe(true);
  });

  it('the root entry is also main/types (node10 and older tools read those)', () => {
    const root = pkg.exports['.'] as { types: string; default: string };
    expect(`./${pkg.types}`).toBe(root.types);
    expect(`./${pkg.main}`).toBe(root.default);
  });

  it.each(subpaths.filter(([s]) => s !== './providers/openstack'))(
    'subpath %s has a committed API report',
    (subpath) => {
      const name = subpath === '.' ? 'webfarm' : `webfarm-${subpath.slice(2).replace(/\//g, '-')}`;
      expect(fs.existsSync(path.join(ROOT, 'api', `${name}.api.md`))).toBe(true);
    },
  );

  it('no entry file re-exports a whole module (every public name is listed)', () => {
    for (const [, target] of subpaths) {
      const source = path.join(ROOT, target.types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts'));
      const text = fs.readFileSync(source, 'utf8');
      const stars = [...text.matchAll(/^export \* from '([^']+)'/gm)].map((m) => m[1]);
      // the generated bindings' namespaces are the one exception (their surface is the schema)
      expect(stars.filter((s) => !s.endsWith('.gen/providers/openstack'))).toEqual([]);
    }
  });

  it('cdktf and constructs are peers (one copy in the app), pinned at the lower end for our own tests', () => {
    expect(pkg.peerDependencies).toEqual({ cdktf: '^0.21.0', constructs: '^10.4.2' });
    expect(pkg.dependencies.cdktf).toBeUndefined();
    expect(pkg.dependencies.constructs).toBeUndefined();
    expect(pkg.devDependencies.cdktf).toBe('0.21.0');
    expect(pkg.devDependencies.constructs).toBe('10.4.2');
  });

  it('npm pack builds first', () => {
    expect(pkg.scripts.prepack).toBe('npm run build');
  });

  it('ships the Apache-2.0 licence text it declares', () => {
    const text = fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8');
    expect(text).toContain('Apache License');
    expect(text).toContain('Version 2.0, January 2004');
    expect(text).toContain('END OF TERMS AND CONDITIONS');
  });
});

describe("the README's embedding section (run as written by scripts/pack-test.js in CI)", () => {
  const { readmeSteps } = require('../scripts/pack-test.js') as {
    readmeSteps: () => { installArgs: string[]; mainTs: { text: string }; synth: { text: string } };
  };

  it('installs webfarm with cdktf 0.21.0 and constructs 10 beside it, as the peer ranges allow', () => {
    expect(readmeSteps().installArgs).toEqual(['npm', 'install', 'webfarm', 'cdktf@0.21.0', 'constructs@10']);
  });

  it('imports from the package root and from webfarm/providers/openstack only', () => {
    const imports = [...readmeSteps().mainTs.text.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports).toEqual(['constructs', 'cdktf', 'webfarm', 'webfarm/providers/openstack']);
  });
});

describe('the OpenStack provider pin', () => {
  it('is `~> 3.4` in required_providers, as documented (not the exact 3.4.0 of the schema)', () => {
    const json = synthStack((app) => {
      const stack = new TerraformStack(app, 'pin');
      Network.fromName(stack, 'Net', 'auto_allocated_network');
      return stack;
    }) as { terraform: { required_providers: Record<string, { version: string; source: string }> } };
    expect(json.terraform.required_providers.openstack).toEqual({
      source: 'terraform-provider-openstack/openstack',
      version: '~> 3.4',
    });
  });
});
