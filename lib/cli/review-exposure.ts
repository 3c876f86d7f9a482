/**
 * Who can reach what, and what a change needs a reviewer's eyes for: replacements (ForceNew),
 * destroyed data, and exposure that widens (a new ingress rule from the world or from networks
 * no rule admitted before, a listener newly open to the world, a listener's allowed networks
 * widened). Without a base: anything open to the world that is not a balancer listener.
 */
import { IngressRule, previousBalancer, StackModel } from './review-model';
import { code, escapeText } from './review-text';

/** The kinds of finding `--fail-on` can select. */
export const FLAG_KINDS = ['replace', 'destroy', 'exposure', 'failure'] as const;

/** A kind of finding. */
export type FlagKind = (typeof FLAG_KINDS)[number];

/** A finding shown first, with ⚠️. */
export interface Flag {
  /** What kind. */
  readonly kind: FlagKind;
  /** The stack. */
  readonly stack: string;
  /** What it is about: a resource address, or a balancer listener (plain text). */
  readonly subject: string;
  /** Construct path or other human name of the subject (Markdown). */
  readonly name: string;
  /** What happens and why (Markdown). */
  readonly detail: string;
  /**
   * The resources the finding is about: the subject, or for a listener's exposure the ingress
   * rules that open its port to the wider networks (and the listener's own resource).
   */
  readonly resources: readonly string[];
}

/** A parsed CIDR. */
export interface Cidr {
  /** 4 or 6. */
  readonly version: 4 | 6;
  /** The network address as a number. */
  readonly bits: bigint;
  /** Prefix length. */
  readonly prefix: number;
}

/** Parses `10.0.0.0/8`, `2001:db8::/32`, a bare address (a /32 or /128); undefined otherwise. */
export function parseCidr(text: string): Cidr | undefined {
  const [address, length, ...rest] = text.trim().split('/');
  if (rest.length || address === undefined) return undefined;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  let version: 4 | 6;
  let bits: bigint;
  if (v4) {
    const octets = v4.slice(1).map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    version = 4;
    bits = octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
  } else if (/^[0-9a-fA-F:]+$/.test(address) && address.includes(':')) {
    const halves = address.split('::');
    if (halves.length > 2) return undefined;
    const head = halves[0] ? halves[0].split(':') : [];
    const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
    const missing = 8 - head.length - tail.length;
    if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
    const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
    if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    version = 6;
    bits = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  } else {
    return undefined;
  }
  const width = version === 4 ? 32 : 128;
  const prefix = length === undefined ? width : /^\d+$/.test(length) ? Number(length) : NaN;
  if (!(prefix >= 0 && prefix <= width)) return undefined;
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(width - prefix);
  return { version, bits: bits & mask, prefix };
}

/** True when network `outer` contains network `inner`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.version !== inner.version || outer.prefix > inner.prefix) return false;
  const width = outer.version === 4 ? 32 : 128;
  const shift = BigInt(width - outer.prefix);
  return outer.prefix === 0 || inner.bits >> shift === outer.bits >> shift;
}

/** True for 0.0.0.0/0, ::/0 and "anyone" (no restriction). */
export function isWorld(text: string): boolean {
  const cidr = parseCidr(text);
  return text === 'any' || (cidr !== undefined && cidr.prefix === 0);
}

/** True when the networks in `outer` admit `inner` (same text, or a containing CIDR). */
function covered(inner: string, outer: readonly string[]): boolean {
  const parsed = parseCidr(inner);
  return outer.some((o) => {
    if (o === inner || o === 'any') return true;
    const p = parseCidr(o);
    return parsed !== undefined && p !== undefined && cidrContains(p, parsed);
  });
}

/** A rule's networks as text: `0.0.0.0/0`, a CIDR, a reference label; `any` for no remote. */
function remoteText(rule: IngressRule): string | undefined {
  return rule.remote.kind === 'group' ? undefined : rule.remote.text;
}

/** `80`, `8000-8100`, `all`. */
export function portsOf(rule: IngressRule): string {
  if (rule.portText !== undefined) return rule.portText;
  if (rule.portMin === undefined && rule.portMax === undefined) return 'all';
  const min = rule.portMin ?? rule.portMax;
  const max = rule.portMax ?? rule.portMin;
  return min === max ? String(min) : `${min}-${max}`;
}

function protocolCovers(outer: string, inner: string): boolean {
  return outer === 'any' || outer === inner;
}

function portsCover(outer: IngressRule, inner: IngressRule): boolean {
  if (outer.portText !== undefined || inner.portText !== undefined) return outer.portText === inner.portText;
  if (outer.portMin === undefined && outer.portMax === undefined) return true;
  if (inner.portMin === undefined && inner.portMax === undefined) return false;
  return (outer.portMin ?? 0) <= (inner.portMin ?? 0) && (outer.portMax ?? 65535) >= (inner.portMax ?? 65535);
}

/** The listener ports (numbers) each security group serves, from the balancers that use it. */
function listenerPortsByGroup(model: StackModel): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const b of model.balancers) {
    for (const g of b.groups) {
      const ports = out.get(g) ?? new Set<number>();
      for (const l of b.listeners) if (!l.local && /^\d+$/.test(l.port)) ports.add(Number(l.port));
      out.set(g, ports);
    }
  }
  return out;
}

/** True when the rule opens nothing but balancer listener ports of its group. */
function onlyListenerPorts(rule: IngressRule, ports: Map<string, Set<number>>): boolean {
  const served = ports.get(rule.group);
  if (!served || served.size === 0) return false;
  if (!['tcp', 'udp'].includes(rule.protocol)) return false;
  if (rule.portMin === undefined || rule.portMax === undefined || rule.portText !== undefined) return false;
  for (let p = rule.portMin; p <= rule.portMax; p += 1) if (!served.has(p)) return false;
  return true;
}

function groupName(model: StackModel, address: string): string {
  const g = model.groups.find((x) => x.address === address);
  return g ? g.path : address;
}

function ruleSubject(model: StackModel, rule: IngressRule): string {
  const ports = portsOf(rule);
  const what =
    rule.protocol === 'any'
      ? 'all protocols'
      : ports === 'all'
        ? `${rule.protocol} (all ports)`
        : `${rule.protocol}/${ports}`;
  const members = model.groups.find((g) => g.address === rule.group)?.members ?? [];
  return `${what} on ${code(groupName(model, rule.group))}${members.length ? ` (${escapeText(members.join(', '))})` : ''}`;
}

/** Private, loopback, shared and link-local ranges: a status page may be read from these. */
const PRIVATE_RANGES = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '127.0.0.0/8',
  '100.64.0.0/10',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
  '::1/128',
];

/**
 * True for the rule that opens a self-hosted balancer's status page (nginx `stub_status`,
 * HAProxy stats; `statusAllowedCidrs`): the balancer hosts describe it as "<daemon> status page".
 */
export function isStatusPageRule(rule: IngressRule): boolean {
  return /\bstatus page$/.test(rule.description ?? '');
}

/**
 * A status-page rule that admits networks beyond the private ranges and beyond the operators'
 * networks (those the stack admits to SSH anywhere, `adminCidrs`: a bastion's included).
 */
function publicStatusPage(rule: IngressRule, rules: readonly IngressRule[]): boolean {
  if (!isStatusPageRule(rule) || (rule.remote.kind !== 'world' && rule.remote.kind !== 'cidr')) return false;
  const admins = rules
    .filter((r) => r.portMin === 22 && r.portMax === 22 && r.remote.kind === 'cidr')
    .map((r) => remoteText(r) ?? '');
  return !covered(rule.remote.text, [...PRIVATE_RANGES, ...admins]);
}

/**
 * Findings in one stack without a base: ingress from the world other than balancer listeners,
 * and a balancer's status page (it names every node and its state) reachable beyond private
 * ranges and the operators' networks.
 */
export function standaloneExposure(model: StackModel): Flag[] {
  const ports = listenerPortsByGroup(model);
  const statusPages = model.rules
    .filter((r) => publicStatusPage(r, model.rules) && r.remote.kind !== 'world')
    .map((r) => ({
      resources: [r.address],
      kind: 'exposure' as const,
      stack: model.stack,
      subject: r.address,
      name: `status page: ${ruleSubject(model, r)}`,
      detail: `the balancer's status page (every node and its state) is reachable beyond private ranges and the admin networks, from ${code(remoteText(r) ?? 'any')}`,
    }));
  return model.rules
    .filter((r) => r.remote.kind === 'world' && !onlyListenerPorts(r, ports))
    .map((r) => ({
      resources: [r.address],
      kind: 'exposure' as const,
      stack: model.stack,
      subject: r.address,
      name: ruleSubject(model, r),
      detail: isStatusPageRule(r)
        ? `the balancer's status page is open to the world (${code(remoteText(r) ?? 'any')})`
        : `open to the world (${code(remoteText(r) ?? 'any')}), and not a balancer listener${r.description ? `: “${escapeText(r.description)}”` : ''}`,
    }))
    .concat(statusPages);
}

function listenerKey(port: string, protocol: string): string {
  return `${port} ${protocol}`;
}

/** Exposure findings of a change: what can be reached from more networks than before. */
export function broadenedExposure(base: StackModel | undefined, after: StackModel): Flag[] {
  const flags: Flag[] = [];
  const flaggedPorts = new Set<string>();
  for (const b of after.balancers) {
    const old = previousBalancer(base, b);
    const baseListeners = new Map<string, string[]>();
    for (const l of old?.listeners ?? []) {
      if (l.local) continue;
      const key = listenerKey(l.port, l.protocol);
      baseListeners.set(key, [
        ...(baseListeners.get(key) ?? []),
        ...(l.allowed.length ? l.allowed : ['any']),
      ]);
    }
    for (const l of b.listeners) {
      if (l.local) continue;
      const allowed = l.allowed.length ? l.allowed : ['any'];
      const before = baseListeners.get(listenerKey(l.port, l.protocol));
      const wider = before ? allowed.filter((a) => !covered(a, before)) : allowed.filter(isWorld);
      if (wider.length === 0) continue;
      for (const g of b.groups) flaggedPorts.add(`${g} ${l.port}`);
      const opening = after.rules
        .filter(
          (r) =>
            b.groups.includes(r.group) &&
            r.portMin !== undefined &&
            String(r.portMin) === l.port &&
            r.remote.kind !== 'group' &&
            wider.some((w) => covered(r.remote.kind === 'group' ? '' : r.remote.text, [w])),
        )
        .map((r) => r.address);
      flags.push({
        resources: [...(l.resource ? [l.resource] : []), ...opening],
        kind: 'exposure',
        stack: after.stack,
        subject: l.resource ?? `${b.label} listener ${l.name}`,
        name: `${escapeText(b.label)}: listener ${code(l.name)} (${escapeText(`${l.protocol} ${l.port}`)})`,
        detail: before
          ? `allowed networks widened: ${wider.map((w) => code(w)).join(', ')} (before: ${before.map((w) => code(w)).join(', ')})`
          : `new listener open to the world (${wider.map((w) => code(w)).join(', ')})`,
      });
    }
  }
  const baseRules = new Map((base?.rules ?? []).map((r) => [r.address, r]));
  const sameGroup = groupCorrespondence(base, after);
  for (const given of after.rules) {
    // An unset remote of a rule that had one keeps it: remote_ip_prefix and remote_group_id are
    // optional and computed, so Terraform keeps the prior value.
    const prior = baseRules.get(given.address);
    const rule =
      given.remote.kind === 'world' && given.remote.text === 'any' && prior
        ? { ...given, remote: prior.remote }
        : given;
    const remote = remoteText(rule);
    if (remote === undefined || rule.remote.kind === 'reference') continue;
    const admitted = (base?.rules ?? []).some(
      (old) =>
        sameGroup(old.group, rule.group) &&
        old.ethertype === rule.ethertype &&
        protocolCovers(old.protocol, rule.protocol) &&
        portsCover(old, rule) &&
        old.remote.kind !== 'group' &&
        covered(remote, [remoteText(old) ?? '']),
    );
    if (admitted) continue;
    if (
      rule.portMin !== undefined &&
      rule.portMin === rule.portMax &&
      flaggedPorts.has(`${rule.group} ${rule.portMin}`)
    )
      continue;
    const world = rule.remote.kind === 'world';
    flags.push({
      resources: [rule.address],
      kind: 'exposure',
      stack: after.stack,
      subject: rule.address,
      name: `${isStatusPageRule(rule) ? 'status page: ' : ''}${ruleSubject(after, rule)}`,
      detail: `${world ? 'newly open to the world' : 'newly reachable from'} ${code(remote)}${rule.description ? ` (“${escapeText(rule.description)}”)` : ''}${publicStatusPage(rule, after.rules) ? ': a status page beyond private ranges and the admin networks' : ''}`,
    });
  }
  return flags;
}

/** A rule without its address and group: what it admits. */
function ruleSignature(rule: IngressRule): string {
  const remote = rule.remote.kind === 'group' ? `group` : rule.remote.text;
  return [rule.ethertype, rule.protocol, portsOf(rule), remote].join(' ');
}

/**
 * Whether a base group and a group after the change are the same group for exposure: the same
 * address, or a group that left the configuration while one that arrived holds the same rules,
 * the same members or the same name (a renamed construct id re-creates identical rules).
 */
function groupCorrespondence(
  base: StackModel | undefined,
  after: StackModel,
): (baseGroup: string, afterGroup: string) => boolean {
  if (!base) return (b, a) => b === a;
  const afterAddresses = new Set(after.groups.map((g) => g.address));
  const baseAddresses = new Set(base.groups.map((g) => g.address));
  const signature = (model: StackModel, group: string): string =>
    model.rules
      .filter((r) => r.group === group)
      .map(ruleSignature)
      .sort()
      .join('\n');
  const pairs = new Set<string>();
  for (const a of after.groups) {
    if (baseAddresses.has(a.address)) continue;
    for (const b of base.groups) {
      if (afterAddresses.has(b.address)) continue;
      const sameRules = signature(base, b.address) === signature(after, a.address);
      const sameMembers = b.members.length > 0 && b.members.join(',') === a.members.join(',');
      if (sameRules || sameMembers || b.name === a.name) pairs.add(`${b.address} ${a.address}`);
    }
  }
  return (b, a) => b === a || pairs.has(`${b} ${a}`);
}
