/**
 * The pull-request comment of `webfarm review` (DESIGN decision 10): a summary line, the findings
 * first (⚠️), the expected configuration pushes, then per stack a Mermaid topology, listeners,
 * pools and members, who can reach what, and the plain diff. Stable order, bounded size (a big
 * stack sheds detail, never its change table), no secrets.
 */
import { changesSection, isRebuild } from './review-changes';
import { StackDiff } from './review-diff';
import { Flag } from './review-exposure';
import { StackModel } from './review-model';
import { ReviewSchemas } from './review-schema';
import { poolsSection, reachSection, storageSection, topologySection } from './review-sections';
import { code, escapeText, MAX_ROWS, plural } from './review-text';

export { diffLines } from './review-changes';

/** One stack of a review: the model after the change, the base, and their diff. */
export interface ReviewedStack {
  /** Stack name. */
  readonly name: string;
  /** The stack as given (missing when the change removes it). */
  readonly after?: StackModel;
  /** The base stack (with `--base`; missing when the change adds it). */
  readonly base?: StackModel;
  /** The change (with `--base`). */
  readonly diff?: StackDiff;
}

/** Everything the comment shows. */
export interface ReviewReport {
  /** Stacks, sorted by name. */
  readonly stacks: readonly ReviewedStack[];
  /** A base was given. */
  readonly withBase: boolean;
  /** Findings, in display order. */
  readonly flags: readonly Flag[];
  /** The provider schemas (for sensitive attributes). */
  readonly schemas: ReviewSchemas;
}

/** Options of {@link renderReview}. */
export interface RenderOptions {
  /**
   * Largest comment, in characters (GitHub's limit is 65,536).
   * @default 60000
   */
  readonly maxChars?: number;
}

/** Findings listed before "… more". */
const MAX_FLAGS = 80;

interface Counts {
  add: number;
  change: number;
  replace: number;
  pushes: number;
  rebuilds: number;
  destroy: number;
}

function countsOf(diffs: ReadonlyArray<StackDiff | undefined>): Counts {
  const c: Counts = { add: 0, change: 0, replace: 0, pushes: 0, rebuilds: 0, destroy: 0 };
  for (const d of diffs) {
    for (const r of d?.changes ?? []) {
      if (r.action === 'create') c.add += 1;
      else if (isRebuild(r)) {
        c.replace += 1;
        c.rebuilds += 1;
      } else if (r.action === 'update') c.change += 1;
      else if (r.action === 'delete') c.destroy += 1;
      else {
        c.replace += 1;
        if (r.type === 'terraform_data') c.pushes += 1;
      }
    }
  }
  return c;
}

function countsText(c: Counts): string {
  const notes = [
    ...(c.rebuilds ? [`${c.rebuilds} rebuilt in place from a new image`] : []),
    ...(c.pushes ? [plural(c.pushes, 'configuration push')] : []),
  ];
  const pushes = notes.length ? ` (${notes.join(', ')})` : '';
  return `${c.add} to add, ${c.change} to change, ${c.replace} to replace${pushes}, ${c.destroy} to destroy`;
}

const FLAG_TITLE: Record<Flag['kind'], string> = {
  replace: 'replace',
  destroy: 'destroy',
  exposure: 'exposure',
  failure: 'apply will fail',
};

/** Renders the comment. */
export function renderReview(report: ReviewReport, options: RenderOptions = {}): string {
  const maxChars = options.maxChars ?? 60000;
  const head: string[] = ['## webfarm review', ''];
  const present = report.stacks.filter((s) => s.after);
  const resources = present.reduce(
    (n, s) => n + [...(s.after?.resources.values() ?? [])].filter((r) => r.mode === 'managed').length,
    0,
  );
  const balancers = present.reduce((n, s) => n + (s.after?.balancers.length ?? 0), 0);
  if (report.withBase) {
    const changed = report.stacks.filter((s) => stackChanged(s));
    head.push(
      `**${plural(present.length, 'stack')}** (${changed.length} changed) · ${plural(resources, 'resource')} · ` +
        `**${countsText(countsOf(report.stacks.map((s) => s.diff)))}**`,
    );
  } else {
    head.push(
      `**${plural(present.length, 'stack')}** · ${plural(resources, 'resource')} · ${plural(balancers, 'balancer')} · ` +
        'no base given: the current topology (`--base BASE_DIR` shows the change)',
    );
  }
  head.push('');
  head.push(...flagSection(report));
  head.push(...pushSection(report));

  const shown = report.stacks.filter((st) => !report.withBase || stackChanged(st));
  const unchanged = report.stacks.filter((st) => report.withBase && !stackChanged(st)).map((st) => st.name);
  const tail = unchanged.length ? ['', `Unchanged stacks: ${unchanged.map((u) => code(u)).join(', ')}.`] : [];

  // Degrade, never drop: while the comment is too long, the largest stack section sheds detail
  // (host file diffs, then member lists, then the diagram, then the topology tables, then
  // change-table rows); every changed stack keeps its change table.
  const headText = head.join('\n');
  const tailText = tail.join('\n');
  const levels = shown.map(() => 0);
  const texts = shown.map((st) => `\n${stackSection(st, report, LEVELS[0]).join('\n')}`);
  const total = (): number =>
    headText.length + tailText.length + texts.reduce((n, t) => n + t.length, 0) + 400;
  while (total() > maxChars) {
    let pick = -1;
    for (let i = 0; i < shown.length; i += 1) {
      if (levels[i] < LEVELS.length - 1 && (pick < 0 || texts[i].length > texts[pick].length)) pick = i;
    }
    if (pick < 0) break;
    levels[pick] += 1;
    texts[pick] = `\n${stackSection(shown[pick], report, LEVELS[levels[pick]]).join('\n')}`;
  }
  let out = headText;
  let omitted = 0;
  for (const text of texts) {
    if (omitted === 0 && out.length + text.length + tailText.length + 400 <= maxChars) out += text;
    else omitted += 1;
  }
  if (omitted) {
    out +=
      `\n\n_… ${plural(omitted, 'more stack section')} left out to keep this comment under ${maxChars} characters;` +
      ' run `npx webfarm review` locally to see everything._';
  }
  if (levels.some((l) => l > 0)) {
    out += `\n\n_Some stack sections show less detail to keep this comment under ${maxChars} characters; run \`npx webfarm review\` locally to see everything._`;
  }
  return `${out}${tailText}\n`;
}

function stackChanged(s: ReviewedStack): boolean {
  return !!s.diff && (s.diff.changes.length > 0 || s.diff.outputs.length > 0 || s.diff.files.length > 0);
}

function flagSection(report: ReviewReport): string[] {
  if (report.flags.length === 0) {
    return [
      report.withBase
        ? '✅ Nothing flagged: no resource replaced, no data destroyed, no exposure broadened.'
        : '✅ Nothing flagged: nothing is open to the world besides balancer listeners.',
      '',
    ];
  }
  const out = [`### ⚠️ Needs attention (${report.flags.length})`, ''];
  for (const f of report.flags.slice(0, MAX_FLAGS)) {
    out.push(
      `- ⚠️ **${FLAG_TITLE[f.kind]}** · ${code(f.stack)} · ${code(f.subject, Infinity)} (${f.name}): ${f.detail}`,
    );
  }
  if (report.flags.length > MAX_FLAGS) out.push(`- _… ${report.flags.length - MAX_FLAGS} more_`);
  out.push('');
  return out;
}

function pushSection(report: ReviewReport): string[] {
  const lines: string[] = [];
  for (const s of report.stacks) {
    for (const c of s.diff?.changes ?? []) {
      if (c.action === 'replace' && c.type === 'terraform_data') {
        const changedFiles = (s.diff?.files ?? []).filter((f) => f.resource === c.address).map((f) => f.path);
        const replacedHost = c.replace.find((r) => r.why === 'unknown' && r.via)?.via;
        const reasons = [
          ...(changedFiles.length ? [`${changedFiles.map((f) => code(f)).join(', ')} changed`] : []),
          ...(replacedHost ? [`${code(replacedHost)} is replaced, so the new one is configured`] : []),
        ];
        const what = c.configPush
          ? `pushes to host ${code(c.configPush.host)} again${reasons.length ? `: ${reasons.join('; ')}` : ''}`
          : 'runs its provisioners again';
        lines.push(`- 🔄 ${code(s.name)} · ${code(c.address)} (${escapeText(c.path)}) ${what}`);
      }
      for (const d of c.disruptive) {
        if (d.effect === 'resize') {
          lines.push(
            `- ↕️ ${code(s.name)} · ${code(c.address)} (${escapeText(c.path)}) is resized in place (${code(d.attribute)} changed; the server reboots)`,
          );
        }
      }
    }
  }
  if (lines.length === 0) return [];
  if (lines.length > MAX_FLAGS)
    lines.splice(MAX_FLAGS, lines.length - MAX_FLAGS, `- _… ${lines.length - MAX_FLAGS} more_`);
  return [
    '### 🔄 Expected: configuration pushed in place',
    '',
    'A `terraform_data` push is replaced whenever its files change: the files are copied to the host, checked and reloaded there; the host itself stays.',
    '',
    ...lines,
    '',
  ];
}

/** How much of a stack section to show. */
interface SectionDetail {
  readonly files: boolean;
  readonly members: boolean;
  readonly diagram: boolean;
  readonly tables: boolean;
  readonly maxRows: number;
}

const LEVELS: readonly SectionDetail[] = [
  { files: true, members: true, diagram: true, tables: true, maxRows: MAX_ROWS },
  { files: false, members: true, diagram: true, tables: true, maxRows: MAX_ROWS },
  { files: false, members: false, diagram: true, tables: true, maxRows: MAX_ROWS },
  { files: false, members: false, diagram: false, tables: true, maxRows: MAX_ROWS },
  { files: false, members: false, diagram: false, tables: false, maxRows: MAX_ROWS },
  { files: false, members: false, diagram: false, tables: false, maxRows: 20 },
  { files: false, members: false, diagram: false, tables: false, maxRows: 5 },
];

function stackSection(s: ReviewedStack, report: ReviewReport, detail: SectionDetail): string[] {
  const model = s.after ?? s.base;
  if (!model) return [];
  const heading = `### Stack ${code(s.name)}`;
  const changes = { files: detail.files, maxRows: detail.maxRows };
  if (!s.after) {
    return [
      heading,
      '',
      `Removed: all ${plural(s.diff?.changes.length ?? 0, 'resource')} are destroyed.`,
      ...changesSection(s, report, changes),
    ];
  }
  const out = [heading, ''];
  if (s.diff) out.push(`${s.base ? '' : 'New stack: '}${countsText(countsOf([s.diff]))}.`, '');
  if (detail.diagram) out.push(...topologySection(s.after, s.base));
  if (detail.tables) {
    out.push(...poolsSection(s.after, s.base, { members: detail.members }));
    out.push(...reachSection(s.after));
    out.push(...storageSection(s.after));
  }
  if (s.diff) out.push(...changesSection(s, report, changes));
  return out;
}
