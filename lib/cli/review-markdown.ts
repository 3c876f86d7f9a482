/**
 * The pull-request comment of `webfarm review` (DESIGN decision 10): a summary line, the findings
 * first (⚠️), the expected configuration pushes, then per stack a Mermaid topology, listeners,
 * pools and members, who can reach what, and the plain diff. Stable order, bounded size, no
 * secrets.
 */
import { formatPath, ResourceChange, StackDiff, FileChange, AttributePath } from './review-diff';
import { Flag, portsOf } from './review-exposure';
import { Balancer, previousBalancer, ResourceRecord, StackModel } from './review-model';
import { labelTemplate } from './review-refs';
import {
  code,
  escapeText,
  fenceFor,
  isSecretName,
  maskSecretLine,
  mermaidLabel,
  truncate,
} from './review-text';
import { isRecord } from './stacks';
import { ReviewSchemas } from './review-schema';

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

/** Rows shown per table before "… more". */
export const MAX_ROWS = 60;
/** Diff lines shown per host file. */
const MAX_FILE_LINES = 30;
/** Host files shown per stack. */
const MAX_FILES = 12;
/** Findings listed before "… more". */
const MAX_FLAGS = 80;

function table(header: string[], rows: string[][], more: string): string[] {
  const shown = rows.slice(0, MAX_ROWS);
  const out = [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`];
  for (const r of shown) out.push(`| ${r.join(' | ')} |`);
  if (rows.length > shown.length) out.push('', `_… ${rows.length - shown.length} more ${more}_`);
  return out;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

interface Counts {
  add: number;
  change: number;
  replace: number;
  pushes: number;
  destroy: number;
}

function countsOf(diffs: ReadonlyArray<StackDiff | undefined>): Counts {
  const c: Counts = { add: 0, change: 0, replace: 0, pushes: 0, destroy: 0 };
  for (const d of diffs) {
    for (const r of d?.changes ?? []) {
      if (r.action === 'create') c.add += 1;
      else if (r.action === 'update') c.change += 1;
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
  const pushes = c.pushes ? ` (${plural(c.pushes, 'configuration push')})` : '';
  return `${c.add} to add, ${c.change} to change, ${c.replace} to replace${pushes}, ${c.destroy} to destroy`;
}

const FLAG_TITLE: Record<Flag['kind'], string> = {
  replace: 'replace',
  destroy: 'destroy',
  exposure: 'exposure',
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

  const sections: string[][] = [];
  const unchanged: string[] = [];
  for (const s of report.stacks) {
    if (report.withBase && !stackChanged(s)) {
      unchanged.push(s.name);
      continue;
    }
    sections.push(stackSection(s, report));
  }
  const tail = unchanged.length ? ['', `Unchanged stacks: ${unchanged.map((u) => code(u)).join(', ')}.`] : [];

  let out = head.join('\n');
  let omitted = 0;
  for (const section of sections) {
    const text = `\n${section.join('\n')}`;
    if (omitted === 0 && out.length + text.length + 400 <= maxChars) out += text;
    else omitted += 1;
  }
  if (omitted) {
    out +=
      `\n\n_… ${plural(omitted, 'more stack section')} left out to keep this comment under ${maxChars} characters;` +
      ' run `npx webfarm review` locally to see everything._';
  }
  return `${out}${tail.join('\n')}\n`;
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
      `- ⚠️ **${FLAG_TITLE[f.kind]}** · ${code(f.stack)} · ${code(f.subject)} (${f.name}): ${f.detail}`,
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
        const what = c.configPush
          ? `pushes to host ${code(c.configPush.host)} again${
              changedFiles.length ? `: ${changedFiles.map((f) => code(f)).join(', ')} changed` : ''
            }`
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
  return [
    '### 🔄 Expected: configuration pushed in place',
    '',
    'A `terraform_data` push is replaced whenever its files change: the files are copied to the host, checked and reloaded there; the host itself stays.',
    '',
    ...lines,
    '',
  ];
}

function stackSection(s: ReviewedStack, report: ReviewReport): string[] {
  const model = s.after ?? s.base;
  if (!model) return [];
  const heading = `### Stack ${code(s.name)}`;
  if (!s.after) {
    return [
      heading,
      '',
      `Removed: all ${plural(s.diff?.changes.length ?? 0, 'resource')} are destroyed.`,
      ...changesSection(s, report),
    ];
  }
  const out = [heading, ''];
  if (s.diff) out.push(`${s.base ? '' : 'New stack: '}${countsText(countsOf([s.diff]))}.`, '');
  out.push(...topologySection(s.after, s.base));
  out.push(...poolsSection(s.after, s.base));
  out.push(...reachSection(s.after));
  out.push(...storageSection(s.after));
  if (s.diff) out.push(...changesSection(s, report));
  return out;
}

/** A stable Mermaid id per key. */
class Ids {
  private readonly ids = new Map<string, string>();
  constructor(private readonly prefix: string) {}
  get(key: string): string {
    let id = this.ids.get(key);
    if (!id) {
      id = `${this.prefix}${this.ids.size + 1}`;
      this.ids.set(key, id);
    }
    return id;
  }
}

function memberNodeKey(m: { host?: string; address: string }): string {
  return m.host ? `host ${m.host}` : `address ${m.address}`;
}

function topologySection(model: StackModel, base: StackModel | undefined): string[] {
  if (model.balancers.length === 0 && model.floatingIps.length === 0) return [];
  const ids = new Ids('n');
  const nodes = new Map<string, string>();
  const edges: string[] = [];
  const classes = { added: new Set<string>(), removed: new Set<string>() };
  const node = (key: string, shape: (label: string) => string, label: string): string => {
    const id = ids.get(key);
    if (!nodes.has(id)) nodes.set(id, `  ${id}${shape(label)}`);
    return id;
  };
  const box = (l: string): string => `["${l}"]`;
  const edge = (from: string, to: string, label?: string, removed = false): void => {
    const arrow = removed ? '-.->' : '-->';
    edges.push(`  ${from} ${arrow}${label ? `|"${mermaidLabel(label)}"|` : ''} ${to}`);
  };
  const internet = ids.get('internet');
  const balancerNode = (b: Balancer): string =>
    node(`balancer ${b.key}`, (l) => `{{"${l}"}}`, mermaidLabel(b.label));
  const reachable = new Set<string>();
  for (const f of model.floatingIps) {
    const fip = node(
      `fip ${f.address}`,
      (l) => `[/"${l}"/]`,
      `floating IP<br/>${mermaidLabel(f.path)}${f.attachedTo ? `<br/>on ${mermaidLabel(f.attachedTo)}` : ''}`,
    );
    edge(internet, fip);
    reachable.add(internet);
    if (!f.target) continue;
    if (f.target.kind === 'balancer') {
      const b = model.balancers.find((x) => x.key === f.target?.key);
      if (!b) continue;
      const ports = b.listeners.filter((l) => !l.local).map((l) => `${l.protocol} ${l.port}`);
      edge(fip, balancerNode(b), [...new Set(ports)].join(', '));
    } else {
      edge(fip, node(`target ${f.target.key}`, box, mermaidLabel(f.target.label)));
    }
  }
  for (const b of model.balancers) {
    const bid = balancerNode(b);
    const old = previousBalancer(base, b);
    if (base && !old) classes.added.add(bid);
    const pools = [...b.pools];
    for (const p of old?.pools ?? [])
      if (!pools.some((x) => x.name === p.name)) pools.push({ ...p, members: [] });
    for (const pool of pools) {
      const oldPool = old?.pools.find((p) => p.name === pool.name);
      const gone = !b.pools.some((p) => p.name === pool.name);
      const pid = node(
        `pool ${b.key} ${pool.name}`,
        box,
        `pool ${mermaidLabel(pool.name)}${pool.algorithm ? `<br/>${mermaidLabel(pool.algorithm)}` : ''}`,
      );
      if (gone) classes.removed.add(pid);
      else if (base && old && !oldPool) classes.added.add(pid);
      const via = b.listeners
        .filter((l) => !l.local && l.pools.includes(pool.name))
        .map((l) => `${l.protocol} ${l.port}`);
      edge(bid, pid, [...new Set(via)].join(', '), gone);
      const members = [...pool.members];
      const removedMembers = (oldPool?.members ?? []).filter(
        (m) => !pool.members.some((x) => x.key === m.key),
      );
      for (const m of [...members, ...removedMembers]) {
        const mid = node(memberNodeKey(m), box, mermaidLabel(m.host ?? m.address));
        const isRemoved = removedMembers.includes(m);
        const isAdded = !!oldPool && !oldPool.members.some((x) => x.key === m.key);
        if (
          isRemoved &&
          !model.balancers.some((x) =>
            x.pools.some((p) => p.members.some((y) => memberNodeKey(y) === memberNodeKey(m))),
          )
        ) {
          classes.removed.add(mid);
        }
        if (isAdded) classes.added.add(mid);
        edge(pid, mid, `:${m.port}${isRemoved ? ' removed' : isAdded ? ' added' : ''}`, isRemoved || gone);
      }
    }
  }
  const lines = ['#### Topology', '', '```mermaid', 'flowchart LR'];
  if (reachable.has(internet)) lines.push(`  ${internet}(("Internet"))`);
  lines.push(...nodes.values(), ...edges);
  if (classes.added.size) {
    lines.push(
      '  classDef added stroke:#1a7f37,stroke-width:3px',
      `  class ${[...classes.added].join(',')} added`,
    );
  }
  if (classes.removed.size) {
    lines.push(
      '  classDef removed stroke:#cf222e,stroke-dasharray:5 5',
      `  class ${[...classes.removed].join(',')} removed`,
    );
  }
  lines.push('```', '');
  return lines;
}

function poolsSection(model: StackModel, base: StackModel | undefined): string[] {
  if (model.balancers.length === 0) return [];
  const listenerRows: string[][] = [];
  const memberRows: string[][] = [];
  for (const b of model.balancers) {
    const old = previousBalancer(base, b);
    for (const l of b.listeners) {
      listenerRows.push([
        escapeText(b.label),
        code(l.name),
        escapeText(`${l.protocol} ${l.port}`),
        l.local ? 'this host only' : l.allowed.length ? l.allowed.map((a) => code(a)).join(', ') : 'anyone',
        l.pools.map((p) => code(p)).join(', ') || '—',
      ]);
    }
    for (const p of b.pools) {
      const oldPool = old?.pools.find((x) => x.name === p.name);
      const settings = [p.protocol, p.algorithm, p.monitor].filter(Boolean).join(', ');
      const poolCell = `${code(p.name)}${settings ? ` (${escapeText(settings)})` : ''}`;
      const change = (key: string): string =>
        !base ? '' : !oldPool ? 'added' : oldPool.members.some((m) => m.key === key) ? '' : 'added';
      if (p.members.length === 0) memberRows.push([escapeText(b.label), poolCell, '_(no members)_', '', '']);
      for (const m of p.members) {
        memberRows.push([
          escapeText(b.label),
          poolCell,
          `${m.host ? `${escapeText(m.host)} ` : m.name ? `${escapeText(m.name)} ` : ''}${code(m.address)}${m.notes.length ? ` ${escapeText(m.notes.join(' '))}` : ''}`,
          escapeText(m.port),
          change(m.key) ? `➕ ${change(m.key)}` : '',
        ]);
      }
      for (const m of oldPool?.members ?? []) {
        if (p.members.some((x) => x.key === m.key)) continue;
        memberRows.push([
          escapeText(b.label),
          poolCell,
          `${m.host ? `${escapeText(m.host)} ` : ''}${code(m.address)}`,
          escapeText(m.port),
          '➖ removed',
        ]);
      }
    }
    for (const p of old?.pools ?? []) {
      if (!b.pools.some((x) => x.name === p.name)) {
        memberRows.push([
          escapeText(b.label),
          code(p.name),
          `_pool removed (${plural(p.members.length, 'member')})_`,
          '',
          '➖ removed',
        ]);
      }
    }
  }
  const header = base
    ? ['Balancer', 'Pool', 'Member', 'Port', 'Change']
    : ['Balancer', 'Pool', 'Member', 'Port'];
  return [
    '#### Listeners',
    '',
    ...table(['Balancer', 'Listener', 'Port', 'Allowed from', 'Pools'], listenerRows, 'listeners'),
    '',
    '#### Pools and members',
    '',
    ...table(header, base ? memberRows : memberRows.map((r) => r.slice(0, 4)), 'members'),
    '',
  ];
}

function reachSection(model: StackModel): string[] {
  if (model.rules.length === 0) return [];
  const groupCell = (address: string): string => {
    const g = model.groups.find((x) => x.address === address);
    if (!g) return code(address);
    return `${code(g.path)}${g.members.length ? ` (${escapeText(g.members.join(', '))})` : ''}`;
  };
  const rows = model.rules
    .map((r) => {
      const from =
        r.remote.kind === 'group'
          ? `group ${groupCell(r.remote.group)}`
          : r.remote.kind === 'world'
            ? `🌍 anyone (${code(r.remote.text)})`
            : code(r.remote.text);
      return {
        sort: `${r.group}\u0000${from}\u0000${r.protocol}\u0000${String(r.portMin ?? 0).padStart(5, '0')}`,
        cells: [
          from,
          groupCell(r.group),
          escapeText(portsOf(r)),
          escapeText(r.protocol),
          escapeText(truncate(r.description ?? '')),
        ],
      };
    })
    .sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : 0))
    .map((r) => r.cells);
  return [
    '#### Who can reach what',
    '',
    'From the ingress rules of the security groups (egress is not shown).',
    '',
    ...table(['From', 'To', 'Port', 'Protocol', 'Rule'], rows, 'rules'),
    '',
  ];
}

function storageSection(model: StackModel): string[] {
  if (model.volumes.length === 0) return [];
  const rows = model.volumes.map((v) => [
    code(v.path),
    v.size !== undefined ? `${v.size} GB` : '',
    v.preventDestroy ? '🔒 `prevent_destroy`' : 'no `prevent_destroy`',
    escapeText(v.attachedTo.join(', ')),
  ]);
  return ['#### Volumes', '', ...table(['Volume', 'Size', 'Protection', 'Attached to'], rows, 'volumes'), ''];
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
    const unknown = c.replace.find(
      (r) => formatPath(r.path) === formatPath(p) && (r.why === 'unknown' || r.why === 'data'),
    );
    if (unknown || (before !== undefined && JSON.stringify(before) === JSON.stringify(after))) {
      parts.push(`${name}: known after apply`);
    } else {
      parts.push(`${name}: ${showValue(before, resources)} → ${showValue(after, resources)}`);
    }
  }
  if (paths.length > 6) parts.push(`… ${paths.length - 6} more`);
  return parts.join('<br>');
}

function changesSection(s: ReviewedStack, report: ReviewReport): string[] {
  const diff = s.diff;
  if (!diff) return [];
  const rows = diff.changes.map((c) => [
    c.action === 'replace' && c.type === 'terraform_data' ? '🔄 push' : ACTION_ICON[c.action],
    code(c.address, 100),
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
  else out.push(...table(['Action', 'Resource', 'Construct', 'Detail'], rows, 'changes'), '');
  if (s.base && diff.files.length) out.push(...filesSection(diff.files, s.after ?? s.base));
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
  const n = before.length;
  const m = after.length;
  if (n * m > 4_000_000) return [`@@ ${n} lines → ${m} lines (too long to compare) @@`];
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
