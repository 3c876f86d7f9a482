/**
 * `webfarm review [--base BASE_DIR] [DIR]`: the pull-request comment of DESIGN decision 10, from
 * synthesized stacks alone (no cdktf, no constructs, no cloud).
 */
import * as path from 'path';
import { CliError } from './errors';
// Type-only: main.ts imports this file at run time.
import type { CliIo } from './main';
import { diffStack } from './review-diff';
import { broadenedExposure, Flag, FLAG_KINDS, FlagKind, standaloneExposure } from './review-exposure';
import { changeFlags } from './review-flags';
import { renderReview, ReviewedStack } from './review-markdown';
import { readStackModel, StackModel } from './review-model';
import { loadSchemas, ReviewSchemas } from './review-schema';
import { findStackFiles } from './stacks';
import { naturalCompare } from './review-text';

/** Help of `webfarm review`. */
export const REVIEW_USAGE = `Usage: webfarm review [--base BASE_DIR] [DIR] [--fail-on KINDS]

Reads the synthesized stacks in DIR (default ./cdktf.out) and prints Markdown for a pull-request
comment: a summary, the findings that need a reviewer (⚠️), then per stack the topology as a
Mermaid diagram (internet → floating IP → balancer → pools → members), listeners, pools and
members, who can reach what (from the security groups' ingress rules), volumes and, with --base,
the plain diff.

With --base BASE_DIR (the same stacks synthesized from the base branch, e.g. main's cdktf.out)
the findings are:
  replace   a resource is replaced because a ForceNew attribute (schemas/openstack.json
            x_force_new, nested blocks too) changes or becomes known only after apply, or a
            server is rebuilt from a new image; configuration pushes (terraform_data) are
            listed as expected instead
            (also: a variable default, local or data source the attribute reads changes; a
            server rebuilt from a new image; a server destroyed and re-created under a new
            address)
  destroy   a volume, or a resource with prevent_destroy, is destroyed; a volume is replaced;
            prevent_destroy is removed
  exposure  a new ingress rule from the world or from networks no rule admitted before, a
            listener newly open to the world, a listener's allowed networks widened
  failure   a change that plans but fails at apply (a volume that shrinks)
Without --base: anything open to the world that is not a balancer listener (exposure).

Options:
  --base BASE_DIR   The base version's cdktf.out.
  --fail-on KINDS   Exit 1 when there are findings of these kinds (comma-separated: replace,
                    destroy, exposure, failure, or all), after printing the comment. For CI
                    gates: replace,destroy,exposure,failure.
  -h, --help        Show this help.

Values of random_password, private keys and sensitive outputs are never printed.
Exit status: 0 printed, 1 findings selected by --fail-on (or an unreadable stack), 2 bad usage or
missing DIR / BASE_DIR.
`;

/** Options of {@link review}. */
export interface ReviewOptions {
  /** The `cdktf.out` folder to review (absolute). */
  readonly dir: string;
  /** The base `cdktf.out` folder (absolute), if any. */
  readonly base?: string;
  /**
   * How to name `dir` in messages.
   * @default - `dir`
   */
  readonly shownDir?: string;
  /**
   * How to name `base` in messages.
   * @default - `base`
   */
  readonly shownBase?: string;
  /**
   * Largest comment, in characters.
   * @default 60000
   */
  readonly maxChars?: number;
  /**
   * The provider schemas.
   * @default - the vendored `schemas/` of this package
   */
  readonly schemas?: ReviewSchemas;
}

/** What {@link review} found. */
export interface ReviewResult {
  /** The comment. */
  readonly markdown: string;
  /** The findings, in display order: replacements, destroys, exposure. */
  readonly flags: Flag[];
  /** The stacks reviewed. */
  readonly stacks: ReviewedStack[];
}

function readAll(dir: string, shown: string): Map<string, StackModel> {
  return new Map(findStackFiles(dir, shown).map(({ stack, file }) => [stack, readStackModel(stack, file)]));
}

/**
 * Reviews the stacks in `options.dir`, against `options.base` when given.
 * @throws CliError on missing folders (exit 2) or unreadable stacks (exit 1)
 */
export function review(options: ReviewOptions): ReviewResult {
  const schemas = options.schemas ?? loadSchemas();
  const after = readAll(options.dir, options.shownDir ?? options.dir);
  const base = options.base ? readAll(options.base, options.shownBase ?? options.base) : undefined;
  const names = [...new Set([...after.keys(), ...(base?.keys() ?? [])])].sort(naturalCompare);
  const stacks: ReviewedStack[] = [];
  const flags: Flag[] = [];
  for (const name of names) {
    const a = after.get(name);
    const b = base?.get(name);
    if (base) {
      const diff = diffStack(b, a, schemas);
      stacks.push({ name, ...(a ? { after: a } : {}), ...(b ? { base: b } : {}), diff });
      flags.push(...changeFlags(diff, a ?? b));
      if (a) flags.push(...broadenedExposure(b, a));
    } else if (a) {
      stacks.push({ name, after: a });
      flags.push(...standaloneExposure(a));
    }
  }
  const order = (f: Flag): number => FLAG_KINDS.indexOf(f.kind);
  flags.sort(
    (x, y) => order(x) - order(y) || naturalCompare(x.stack, y.stack) || naturalCompare(x.subject, y.subject),
  );
  const markdown = renderReview(
    { stacks, withBase: base !== undefined, flags, schemas },
    options.maxChars !== undefined ? { maxChars: options.maxChars } : {},
  );
  return { markdown, flags, stacks };
}

/** Parses `--fail-on` values. */
export function parseFailOn(value: string): FlagKind[] {
  const kinds = value
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (kinds.length === 0) throw usage('--fail-on needs kinds: replace, destroy, exposure, failure or all');
  const out = new Set<FlagKind>();
  for (const k of kinds) {
    if (k === 'all') FLAG_KINDS.forEach((f) => out.add(f));
    else if ((FLAG_KINDS as readonly string[]).includes(k)) out.add(k as FlagKind);
    else
      throw usage(`--fail-on: unknown kind ${JSON.stringify(k)} (replace, destroy, exposure, failure, all)`);
  }
  return [...out];
}

function usage(message: string): CliError {
  return new CliError(2, `${message}\n\n${REVIEW_USAGE}`);
}

/**
 * `webfarm review` on the command line: prints the comment; returns 1 when `--fail-on` selects
 * findings, 0 otherwise.
 * @throws CliError on bad usage (exit 2) or unreadable stacks (exit 1)
 */
export function reviewCommand(args: readonly string[], io: CliIo): number {
  let dir: string | undefined;
  let base: string | undefined;
  let failOn: FlagKind[] = [];
  const value = (arg: string, next: string | undefined, what: string): string => {
    if (next === undefined || next === '' || (next.startsWith('-') && next !== '-'))
      throw usage(`${arg} needs ${what}`);
    return next;
  };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '-h' || arg === '--help') {
      io.stdout(REVIEW_USAGE);
      return 0;
    }
    if (arg === '--base') {
      base = value(arg, args[i + 1], 'a folder');
      i += 1;
    } else if (arg.startsWith('--base=')) {
      base = value('--base', arg.slice('--base='.length), 'a folder');
    } else if (arg === '--fail-on') {
      failOn = parseFailOn(value(arg, args[i + 1], 'kinds (replace,destroy,exposure,failure,all)'));
      i += 1;
    } else if (arg.startsWith('--fail-on=')) {
      failOn = parseFailOn(arg.slice('--fail-on='.length));
    } else if (arg.startsWith('-') && arg !== '-') throw usage(`unknown option ${JSON.stringify(arg)}`);
    else if (dir === undefined) dir = arg;
    else throw usage(`unexpected argument ${JSON.stringify(arg)} (one DIR only)`);
  }
  const shownDir = dir ?? 'cdktf.out';
  const result = review({
    dir: path.resolve(io.cwd, shownDir),
    shownDir,
    ...(base !== undefined ? { base: path.resolve(io.cwd, base), shownBase: base } : {}),
  });
  io.stdout(result.markdown);
  const failing = result.flags.filter((f) => failOn.includes(f.kind));
  if (failing.length === 0) return 0;
  const counts = failOn
    .map((k) => [k, failing.filter((f) => f.kind === k).length] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}: ${n}`);
  io.stderr(`webfarm review: ${failing.length} finding(s) selected by --fail-on (${counts.join(', ')})\n`);
  return 1;
}
