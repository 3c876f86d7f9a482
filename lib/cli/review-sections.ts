/**
 * The topology parts of a stack's section in the `webfarm review` comment: the Mermaid diagram
 * (internet → floating IP → balancer → pools → members, members collapsed to "N members" to stay
 * under Mermaid's edge limit), listeners, pools and members, who can reach what, and volumes.
 */
import { portsOf } from './review-exposure';
import { Balancer, previousBalancer, StackModel } from './review-model';
import {
  code,
  escapeText,
  mermaidLabel,
  naturalCompare,
  plural,
  shortPath,
  table,
  truncate,
} from './review-text';

/** Mermaid refuses diagrams above 500 edges; stay well below. */
export const MAX_EDGES = 400;

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

/** The Mermaid diagram of a stack's topology (changes marked against `base`). */
export function topologySection(model: StackModel, base: StackModel | undefined): string[] {
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
      `floating IP<br/>${mermaidLabel(shortPath(f.path))}${f.attachedTo ? `<br/>on ${mermaidLabel(shortPath(f.attachedTo))}` : ''}`,
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
  // Mermaid draws at most 500 edges: past MAX_EDGES, each pool's members become one node.
  const memberEdges = model.balancers.reduce(
    (n, b) =>
      n +
      b.pools.reduce((k, p) => k + p.members.length, 0) +
      (previousBalancer(base, b)?.pools.reduce((k, p) => k + p.members.length, 0) ?? 0),
    0,
  );
  const collapse = memberEdges + model.floatingIps.length * 2 + 20 > MAX_EDGES;
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
      const members = [...pool.members].sort((x, y) =>
        naturalCompare(x.host ?? x.address, y.host ?? y.address),
      );
      const current = new Set(pool.members.map((m) => m.key));
      const previous = new Set((oldPool?.members ?? []).map((m) => m.key));
      const removedMembers = (oldPool?.members ?? []).filter((m) => !current.has(m.key));
      if (collapse) {
        const added = oldPool ? members.filter((m) => !previous.has(m.key)).length : 0;
        const changes = [
          ...(added ? [`${added} added`] : []),
          ...(removedMembers.length ? [`${removedMembers.length} removed`] : []),
        ];
        const mid = node(
          `members ${b.key} ${pool.name}`,
          box,
          `${plural(members.length, 'member')}${changes.length ? `<br/>${changes.join(', ')}` : ''}`,
        );
        if (gone) classes.removed.add(mid);
        edge(pid, mid, members[0] ? `:${members[0].port}` : undefined, gone);
        continue;
      }
      for (const m of [...members, ...removedMembers]) {
        const mid = node(memberNodeKey(m), box, mermaidLabel(m.host ?? m.address));
        const isRemoved = !current.has(m.key);
        const isAdded = !!oldPool && !previous.has(m.key);
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

/** How much of the pools to show. */
export interface PoolsDetail {
  /** List every member (else a count per pool). */
  readonly members: boolean;
}

/** The listeners table and the pools-and-members table of a stack. */
export function poolsSection(
  model: StackModel,
  base: StackModel | undefined,
  detail: PoolsDetail = { members: true },
): string[] {
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
      const settings = [
        p.protocol,
        p.algorithm,
        p.monitor,
        ...(p.managed === 'runtime' ? ['members managed at run time'] : []),
      ]
        .filter(Boolean)
        .join(', ');
      const poolCell = `${code(p.name)}${settings ? ` (${escapeText(settings)})` : ''}`;
      const previous = new Set((oldPool?.members ?? []).map((m) => m.key));
      const current = new Set(p.members.map((m) => m.key));
      const change = (key: string): string =>
        !base ? '' : !oldPool ? 'added' : previous.has(key) ? '' : 'added';
      if (!detail.members) {
        const added = p.members.filter((m) => change(m.key)).length;
        const removed = [...previous].filter((k) => !current.has(k)).length;
        memberRows.push([
          escapeText(b.label),
          poolCell,
          `_${plural(p.members.length, 'member')} (list left out for size)_`,
          '',
          [added ? `➕ ${added}` : '', removed ? `➖ ${removed}` : ''].filter(Boolean).join(' '),
        ]);
        continue;
      }
      if (p.members.length === 0) memberRows.push([escapeText(b.label), poolCell, '_(no members)_', '', '']);
      const byName = (x: { host?: string; name?: string; address: string }, y: typeof x): number =>
        naturalCompare(x.host ?? x.name ?? x.address, y.host ?? y.name ?? y.address);
      for (const m of [...p.members].sort(byName)) {
        memberRows.push([
          escapeText(b.label),
          poolCell,
          `${m.host ? `${escapeText(m.host)} ` : m.name ? `${escapeText(m.name)} ` : ''}${code(m.address)}${m.notes.length ? ` ${escapeText(m.notes.join(' '))}` : ''}`,
          escapeText(m.port),
          change(m.key) ? `➕ ${change(m.key)}` : '',
        ]);
      }
      for (const m of oldPool?.members ?? []) {
        if (current.has(m.key)) continue;
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

/** Who can reach what, from the ingress rules. */
export function reachSection(model: StackModel): string[] {
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

/** The volumes of a stack. */
export function storageSection(model: StackModel): string[] {
  if (model.volumes.length === 0) return [];
  const rows = model.volumes.map((v) => [
    code(v.path),
    v.size !== undefined ? `${v.size} GB` : '',
    v.preventDestroy ? '🔒 `prevent_destroy`' : 'no `prevent_destroy`',
    escapeText(v.attachedTo.join(', ')),
  ]);
  return ['#### Volumes', '', ...table(['Volume', 'Size', 'Protection', 'Attached to'], rows, 'volumes'), ''];
}
