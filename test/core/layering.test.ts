import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { ROOT } from '../support/tools';

// The layers of docs/architecture.md, proven on the import statements themselves (parsed by the
// TypeScript compiler): lib/config is pure (nothing it loads reaches cdktf, constructs or a
// construct layer), and lib/cli (with lib/runtime, which it runs) names core types only.

const LIB = path.join(ROOT, 'lib');

/** One import or re-export of a file: where it points and whether it is erased at compile time. */
interface Edge {
  readonly target: string;
  readonly typeOnly: boolean;
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** `lib/...ts` for a relative specifier, the package name for a bare one. */
function resolve(from: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate)) return path.relative(ROOT, candidate);
  }
  return path.relative(ROOT, base);
}

const edgeCache = new Map<string, Edge[]>();

function edgesOf(file: string): Edge[] {
  const cached = edgeCache.get(file);
  if (cached) return cached;
  const abs = path.join(ROOT, file);
  const source = ts.createSourceFile(abs, fs.readFileSync(abs, 'utf8'), ts.ScriptTarget.Latest, true);
  const edges: Edge[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const clause = statement.importClause;
      const named = clause?.namedBindings;
      const allTypes =
        clause !== undefined &&
        clause.name === undefined &&
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      edges.push({
        target: resolve(abs, statement.moduleSpecifier.text),
        typeOnly: (clause?.isTypeOnly ?? false) || allTypes,
      });
    } else if (
      ts.isExportDeclaration(statement) &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier)
    ) {
      const clause = statement.exportClause;
      const allTypes =
        clause !== undefined &&
        ts.isNamedExports(clause) &&
        clause.elements.length > 0 &&
        clause.elements.every((e) => e.isTypeOnly);
      edges.push({
        target: resolve(abs, statement.moduleSpecifier.text),
        typeOnly: statement.isTypeOnly || allTypes,
      });
    }
  }
  edgeCache.set(file, edges);
  return edges;
}

/** Everything loading `file` loads at run time (type-only imports are erased), with the way there. */
function loadedBy(file: string): Map<string, string[]> {
  const seen = new Map<string, string[]>([[file, [file]]]);
  const queue = [file];
  while (queue.length) {
    const current = queue.shift()!;
    for (const edge of edgesOf(current)) {
      if (edge.typeOnly || seen.has(edge.target)) continue;
      seen.set(edge.target, [...seen.get(current)!, edge.target]);
      if (edge.target.startsWith('lib/')) queue.push(edge.target);
    }
  }
  return seen;
}

const relative = (f: string) => path.relative(ROOT, f);

describe('the layers (docs/architecture.md)', () => {
  it('lib/config loads only pure parts of lib/core: never cdktf, constructs or a construct layer', () => {
    // GIVEN every file of lib/config and everything it loads
    const forbidden =
      /^(cdktf|constructs|@cdktf\/.*|lib\/core\/cdk\.ts|lib\/(openstack|docker|patterns|testing|cli|runtime|providers)\/.*)$/;
    const offences: string[] = [];
    const coreReached = new Set<string>();
    for (const file of tsFiles(path.join(LIB, 'config')).map(relative)) {
      for (const [target, via] of loadedBy(file)) {
        if (forbidden.test(target)) offences.push(via.join(' -> '));
        if (target.startsWith('lib/core/')) coreReached.add(target);
      }
    }
    // THEN none of them reaches cdktf, constructs or a construct layer (so the core files it
    // reaches are pure too)
    expect(offences).toEqual([]);
    expect(coreReached.size).toBeGreaterThan(0);
  });

  it('lib/cli (and lib/runtime, which it runs) imports core and every construct layer as types only', () => {
    // GIVEN every import of lib/cli and lib/runtime that leaves those two folders
    const own = /^lib\/(cli|runtime)\//;
    const files = [...tsFiles(path.join(LIB, 'cli')), ...tsFiles(path.join(LIB, 'runtime'))].map(relative);
    const valueImports = files.flatMap((file) =>
      edgesOf(file)
        .filter((e) => e.target.startsWith('lib/') && !own.test(e.target) && !e.typeOnly)
        .map((e) => `${file} -> ${e.target}`),
    );
    const crossings = files.flatMap((file) => edgesOf(file).filter((e) => e.target.startsWith('lib/core/')));
    // THEN each is `import type` (erased: the CLI never loads core, cdktf or constructs)
    expect(crossings.length).toBeGreaterThan(0);
    expect(valueImports).toEqual([]);
    for (const file of files) {
      for (const target of loadedBy(file).keys()) expect(target).not.toMatch(/^(cdktf|constructs)$/);
    }
  });

  it('the check itself sees a value import: lib/openstack loads lib/core/cdk.ts', () => {
    expect([...loadedBy('lib/openstack/host.ts').keys()]).toContain('lib/core/cdk.ts');
  });
});
