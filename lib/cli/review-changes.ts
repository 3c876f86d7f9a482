/**
 * The change table of a stack in the `webfarm review` comment (one row per resource that
 * changes, with the attributes and why) and the host files that change, as unified diffs with
 * secrets masked.
 */
import { AttributePath, FileChange, formatPath, ResourceChange } from './review-diff';
import type { ReviewedStack, ReviewReport } from './review-markdown';
import type { ResourceRecord, StackModel } from './review-model';
import { labelTemplate } from './review-refs';
import { ReviewSchemas } from './review-schema';
import {
  code,
  escapeText,
  fenceFor,
  isSecretName,
  maskSecretLine,
  MAX_ROWS,
  plural,
  table,
  truncate,
} from './review-text';
import { isRecord } from './stacks';

/** Diff lines shown per host file. */
const MAX_FILE_LINES = 30;
/** Host files shown per stack. */
const MAX_FILES = 12;

/** True for an in-place update the provider carries out by rebuilding the server. */
export function isRebuild(c: ResourceChange): boolean {
  return c.action === 'update' && c.disruptive.some((d) => d.effect === 'rebuild');
}

/** How much of a stack's changes to show. */
export interface ChangesDetail {
  /** Show the host files that change. */
  readonly files: boolean;
  /** Rows of the change table. */
  readonly maxRows: number;
}

const ACTION_ICON: Record<ResourceChange['action'], string> = {
  create: '➕ add',
  update: '✏️ change',
  replace: '⚠️ replace',
  delete: '➖ destroy',
};

function valueAt(body: unknown, path: AttributePath): unknown {
  let v: unknown = body;
  for (const step of path) {
    if (typeof step === 'number') v = Array.isArray(v) ? v[step] : undefined;
    else v = isRecord(v) ? v[step] : undefined;
  }
  return v;
}

function isSensitivePath(r: ResourceRecord, path: AttributePath, schemas: ReviewSchemas): boolean {
  const top = String(path[0] ?? '');
  if (path.some((p) => typeof p === 'string' && isSecretName(p))) return true;
  return schemas.resource(r.type).block?.attributes?.[top]?.sensitive === true;
}

/** A short, secret-free rendering of an attribute value. */
function showValue(value: unknown, resources: ReadonlyMap<string, ResourceRecord>): string {
  if (value === undefined || value === null) return '(none)';
  if (typeof value === 'string') {
    const lines = value.split('\n').length;
    if (lines > 1 || value.length > 120) return `‹${plural(lines, 'line')}›`;
    return code(JSON.stringify(labelTemplate(value, resources)));
  }
  if (typeof value === 'number' || typeof value === 'boolean') return code(String(value));
  const text = JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'string' ? labelTemplate(v, resources) : v,
  );
  return code(text);
}

function changeDetail(c: ResourceChange, s: ReviewedStack, report: ReviewReport): string {
  if (c.action === 'create' || c.action === 'delete') return '';
  const record = c.after ?? c.before;
  if (!record) return '';
  const resources = s.after?.resources ?? new Map<string, ResourceRecord>();
  if (c.configPush) {
    const files = (s.diff?.files ?? []).filter((f) => f.resource === c.address).map((f) => code(f.path));
    return files.length ? `files: ${files.join(', ')}` : 'triggers changed';
  }
  const parts: string[] = [];
  const paths = [...c.changed].sort((a, b) => (formatPath(a) < formatPath(b) ? -1 : 1));
  for (const p of paths.slice(0, 6)) {
    const forced = c.replace.some((r) => formatPath(r.path) === formatPath(p));
    const name = `${code(formatPath(p))}${forced ? ' (ForceNew)' : ''}`;
    if (isSensitivePath(record, p, report.schemas)) {
      parts.push(`${name}: (sensitive)`);
      continue;
    }
    const before = valueAt(c.before?.body, p);
    const after = valueAt(c.after?.body, p);
    const input = c.inputs.find((r) => formatPath(r.path) === formatPath(p));
    if (input?.why === 'input' && input.via) {
      parts.push(`${name}: reads ${code(input.via)}, which changes`);
    } else if (input || (before !== undefined && JSON.stringify(before) === JSON.stringify(after))) {
      parts.push(`${name}: known after apply`);
    } else {
      parts.push(`${name}: ${showValue(before, resources)} → ${showValue(after, resources)}`);
    }
  }
  if (paths.length > 6) parts.push(`… ${paths.length - 6} more`);
  return parts.join('<br>');
}

/** The change table (and, when `detail.files`, the host file diffs) of one stack. */
export function changesSection(
  s: ReviewedStack,
  report: ReviewReport,
  detail: ChangesDetail = { files: true, maxRows: MAX_ROWS },
): string[] {
  const diff = s.diff;
  if (!diff) return [];
  const rows = diff.changes.map((c) => [
    c.action === 'replace' && c.type === 'terraform_data'
      ? '🔄 push'
      : isRebuild(c)
        ? '⚠️ rebuild'
        : ACTION_ICON[c.action],
    code(c.address, Infinity),
    escapeText(c.path),
    changeDetail(c, s, report),
  ]);
  for (const o of diff.outputs) {
    rows.push([
      o.action === 'create' ? '➕ add' : o.action === 'delete' ? '➖ destroy' : '✏️ change',
      code(`output.${o.name}`),
      '',
      o.sensitive ? '(sensitive)' : '',
    ]);
  }
  const out = ['#### Changes', ''];
  if (rows.length === 0) out.push('No resource changes.', '');
  else out.push(...table(['Action', 'Resource', 'Construct', 'Detail'], rows, 'changes', detail.maxRows), '');
  if (s.base && diff.files.length) {
    out.push(
      ...(detail.files
        ? filesSection(diff.files, s.after ?? s.base)
        : [`_${plural(diff.files.length, 'host file')} change (diffs left out for size)._`, '']),
    );
  }
  return out;
}

function filesSection(files: readonly FileChange[], model: StackModel | undefined): string[] {
  const resources = model?.resources ?? new Map<string, ResourceRecord>();
  const out = [`<details><summary>Host files that change (${files.length})</summary>`, ''];
  for (const f of files.slice(0, MAX_FILES)) {
    const render = (t: string | undefined): string[] =>
      t === undefined ? [] : labelTemplate(t, resources).replace(/\n$/, '').split('\n');
    const lines = diffLines(render(f.before), render(f.after)).map((l) =>
      l === '@@' ? l : `${l[0]}${maskSecretLine(l.slice(1))}`,
    );
    out.push(
      `${escapeText(f.host)} ${code(f.path)} (${escapeText(f.delivery)}, ${f.action === 'create' ? 'new' : f.action === 'delete' ? 'removed' : 'changed'})`,
      '',
    );
    const body = lines.slice(0, MAX_FILE_LINES).map((l) => truncate(l, 160));
    if (lines.length > MAX_FILE_LINES) body.push(`… ${lines.length - MAX_FILE_LINES} more lines`);
    const fence = fenceFor(body.join('\n'));
    out.push(`${fence}diff`, ...body, fence, '');
  }
  if (files.length > MAX_FILES) out.push(`_… ${files.length - MAX_FILES} more files_`, '');
  out.push('</details>', '');
  return out;
}

/**
 * A unified-style diff of two line lists: changed lines with `-` / `+`, one line of context
 * around them, `@@` between distant hunks. Longest common subsequence; very long inputs are
 * summarised instead.
 */
export function diffLines(before: readonly string[], after: readonly string[]): string[] {
  // The common head and tail are equal lines: only the middle needs the quadratic table, so a
  // line added to a 1,000-line pool file costs O(n), not O(n²).
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head += 1;
  let tail = 0;
  while (
    tail < before.length - head &&
    tail < after.length - head &&
    before[before.length - 1 - tail] === after[after.length - 1 - tail]
  ) {
    tail += 1;
  }
  const oldMiddle = before.slice(head, before.length - tail);
  const newMiddle = after.slice(head, after.length - tail);
  const n = oldMiddle.length;
  const m = newMiddle.length;
  if (n * m > 4_000_000)
    return [`@@ ${before.length} lines → ${after.length} lines (too long to compare) @@`];
  const ops: Array<{ op: ' ' | '-' | '+'; line: string }> = before
    .slice(0, head)
    .map((line) => ({ op: ' ' as const, line }));
  ops.push(...middleOps(oldMiddle, newMiddle));
  for (const line of before.slice(before.length - tail)) ops.push({ op: ' ', line });
  const keep = ops.map((o, k) =>
    o.op !== ' ' ||
    ops[k - 1]?.op === '-' ||
    ops[k - 1]?.op === '+' ||
    ops[k + 1]?.op === '-' ||
    ops[k + 1]?.op === '+'
      ? true
      : false,
  );
  const out: string[] = [];
  let skipped = false;
  ops.forEach((o, k) => {
    if (!keep[k]) {
      skipped = true;
      return;
    }
    if (skipped && out.length) out.push('@@');
    skipped = false;
    out.push(`${o.op}${o.line}`);
  });
  return out;
}

/** The longest-common-subsequence edit script of two line lists, as kept/removed/added lines. */
function middleOps(
  before: readonly string[],
  after: readonly string[],
): Array<{ op: ' ' | '-' | '+'; line: string }> {
  const n = before.length;
  const m = after.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      lcs[i][j] = before[i] === after[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const ops: Array<{ op: ' ' | '-' | '+'; line: string }> = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      ops.push({ op: ' ', line: before[i] });
      i += 1;
      j += 1;
    } else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      ops.push({ op: '-', line: before[i] });
      i += 1;
    } else {
      ops.push({ op: '+', line: after[j] });
      j += 1;
    }
  }
  return ops;
}
