/**
 * The load-balancer view of one synthesized stack for `webfarm review`: resources by address,
 * hosts, balancers (nginx / HAProxy hosts recognised from their host manifests, Octavia from its
 * `lb_*` resources) with listeners, pools and members, security groups and ingress rules,
 * floating IPs and volumes. Pure reading of `cdk.tf.json`.
 */
import { classifyReference, referenceTarget } from './placeholders';
import { parseHaproxy, parseNginx, ParsedBalancerConfig, ParsedListener, ParsedPool } from './review-parse';
import { isRecord, readStackJson, readStackManifests, StoredHostFile, StoredHostManifest } from './stacks';
import { parseTemplate } from './terraform-text';

/** One resource or data source of a stack. */
export interface ResourceRecord {
  /** Terraform address: `type.name`, or `data.type.name`. */
  readonly address: string;
  /** Resource type (without `data.`). */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** Managed resource or data source. */
  readonly mode: 'managed' | 'data';
  /** Construct path without the stack and a final `/Resource` (`Visa/Node-visa-1`), else the name. */
  readonly path: string;
  /** The configuration, without the `//` comment block. */
  readonly body: Readonly<Record<string, unknown>>;
}

/** One `output` of a stack. */
export interface OutputRecord {
  /** Output name. */
  readonly name: string;
  /** Its value expression. */
  readonly value: unknown;
  /** Declared `sensitive`. */
  readonly sensitive: boolean;
}

/** A reference found in template text: the object it names and the attribute read. */
export interface FoundReference {
  /** Address of the resource or data source (`type.name` / `data.type.name`). */
  readonly address: string;
  /** First attribute after the address (`id`, `all_fixed_ips`, …; empty for the whole object). */
  readonly attribute: string;
}

/** An instance (`openstack_compute_instance_v2`). */
export interface HostNode {
  /** Resource address. */
  readonly address: string;
  /** Construct path. */
  readonly path: string;
  /** Host name (manifest host, else the instance's `name`). */
  readonly name: string;
  /** Role from the host manifests (`worker`, `nginx-balancer`, …), else `instance`. */
  readonly role: string;
  /** Addresses of its ports. */
  readonly ports: string[];
  /** Addresses of its security groups. */
  readonly groups: string[];
}

/** A listener of a balancer. */
export interface BalancerListener {
  /** Listener name. */
  readonly name: string;
  /** Port (as written). */
  readonly port: string;
  /** Protocol. */
  readonly protocol: string;
  /** Allowed client networks; empty means anyone. */
  readonly allowed: string[];
  /** Names of the pools it sends to. */
  readonly pools: string[];
  /** Bound to loopback only (not reachable from outside). */
  readonly local: boolean;
  /** Octavia listener resource, if any. */
  readonly resource?: string;
}

/** A pool member. */
export interface BalancerMember {
  /** Identity within the pool: address as written + port. */
  readonly key: string;
  /** Member (node) name, if any. */
  readonly name?: string;
  /** The address, references shown by resource (`Web/Node-web-1 port`). */
  readonly address: string;
  /** Host name of the instance the address belongs to, if known. */
  readonly host?: string;
  /** Port. */
  readonly port: string;
  /** Weight, backup, … */
  readonly notes: string[];
}

/** A pool of a balancer. */
export interface BalancerPool {
  /** Pool name. */
  readonly name: string;
  /** Protocol, if known. */
  readonly protocol?: string;
  /** Algorithm, if known. */
  readonly algorithm?: string;
  /** Health check summary, if any. */
  readonly monitor?: string;
  /** Members, in order. */
  readonly members: BalancerMember[];
  /** Octavia pool resource, if any. */
  readonly resource?: string;
}

/** A balancer: a self-hosted nginx / HAProxy host (or keepalived pair), or an Octavia load balancer. */
export interface Balancer {
  /** Stable identity (VIP port, instance or load balancer address). */
  readonly key: string;
  /** Backend. */
  readonly kind: 'nginx' | 'haproxy' | 'octavia';
  /** Display name: `nginx visa-lb`, `haproxy lb-1 + lb-2`, `Octavia web-lb`. */
  readonly label: string;
  /** Addresses through which clients reach it (ports, VIP port, load balancer). */
  readonly entries: string[];
  /** Its security groups. */
  readonly groups: string[];
  /** Listeners. */
  readonly listeners: BalancerListener[];
  /** Pools. */
  readonly pools: BalancerPool[];
  /** Resources that define it (instances, configuration pushes, `lb_*`). */
  readonly resources: string[];
}

/** Where an ingress rule lets traffic come from. */
export type RuleRemote =
  | { readonly kind: 'world'; readonly text: string }
  | { readonly kind: 'cidr'; readonly text: string }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'reference'; readonly text: string };

/** An ingress rule of a security group. */
export interface IngressRule {
  /** Resource address. */
  readonly address: string;
  /** Address of the group it belongs to (or the text, when not a reference). */
  readonly group: string;
  /** `IPv4` / `IPv6`. */
  readonly ethertype: string;
  /** `tcp`, `udp`, `icmp`, `vrrp`, … or `any`. */
  readonly protocol: string;
  /** Lowest port, when a range is given. */
  readonly portMin?: number;
  /** Highest port, when a range is given. */
  readonly portMax?: number;
  /** The ports as written when they are not numbers (a reference): `‹var port›`. */
  readonly portText?: string;
  /** Where from. */
  readonly remote: RuleRemote;
  /** The rule's description. */
  readonly description?: string;
}

/** A security group. */
export interface SecurityGroupNode {
  /** Resource address. */
  readonly address: string;
  /** Construct path. */
  readonly path: string;
  /** `name` attribute. */
  readonly name: string;
  /** Who uses it: host names, balancers, ports. */
  readonly members: string[];
}

/** A floating IP and what it points at. */
export interface FloatingIpNode {
  /** Resource address of the floating IP. */
  readonly address: string;
  /** Construct path. */
  readonly path: string;
  /** Address pool. */
  readonly pool?: string;
  /** The port (or load balancer VIP, or instance) it is associated with, by resource name. */
  readonly attachedTo?: string;
  /** What it is attached to. */
  readonly target?: {
    readonly kind: 'balancer' | 'host' | 'other';
    readonly key: string;
    readonly label: string;
  };
}

/** A block storage volume. */
export interface VolumeNode {
  /** Resource address. */
  readonly address: string;
  /** Construct path. */
  readonly path: string;
  /** Size in GB, when literal. */
  readonly size?: number;
  /** `lifecycle.prevent_destroy`. */
  readonly preventDestroy: boolean;
  /** Host names it is attached to. */
  readonly attachedTo: string[];
}

/** One stack as `webfarm review` sees it. */
export interface StackModel {
  /** Stack name. */
  readonly stack: string;
  /** The `cdk.tf.json` file. */
  readonly file: string;
  /** Managed resources and data sources by address, sorted. */
  readonly resources: ReadonlyMap<string, ResourceRecord>;
  /** Outputs by name, sorted. */
  readonly outputs: ReadonlyMap<string, OutputRecord>;
  /** Host manifests. */
  readonly manifests: readonly StoredHostManifest[];
  /** Instances. */
  readonly hosts: readonly HostNode[];
  /** Balancers. */
  readonly balancers: readonly Balancer[];
  /** Security groups. */
  readonly groups: readonly SecurityGroupNode[];
  /** Ingress rules. */
  readonly rules: readonly IngressRule[];
  /** Floating IPs. */
  readonly floatingIps: readonly FloatingIpNode[];
  /** Volumes. */
  readonly volumes: readonly VolumeNode[];
}

/**
 * The balancer of `base` that `balancer` continues: the same key, else one of the same kind that
 * shares a resource with it (a single host that became a keepalived pair).
 */
export function previousBalancer(base: StackModel | undefined, balancer: Balancer): Balancer | undefined {
  return (
    base?.balancers.find((x) => x.key === balancer.key) ??
    base?.balancers.find(
      (x) => x.kind === balancer.kind && x.resources.some((r) => balancer.resources.includes(r)),
    )
  );
}

/** Terraform meta-arguments: not attributes of the resource. */
export const META_ARGUMENTS: ReadonlySet<string> = new Set([
  '//',
  'count',
  'for_each',
  'depends_on',
  'provider',
  'lifecycle',
  'provisioner',
  'connection',
]);

const TRAVERSALS =
  /(?<![\w.-])(data\.)?([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*|\.\d+|\[[^\]]*\])*)/g;

/**
 * Every reference to a known resource or data source in template text: each `${…}` (found by
 * {@link parseTemplate}) is searched for traversals, including those inside nested strings
 * (`sha256("…${port.all_fixed_ips}…")`).
 */
export function referencesIn(text: string, known: ReadonlyMap<string, unknown>): FoundReference[] {
  const found = new Map<string, FoundReference>();
  if (!text.includes('${')) return [];
  for (const part of parseTemplate(text)) {
    if (part.kind !== 'interpolation') continue;
    for (const m of part.expression.matchAll(TRAVERSALS)) {
      const address = `${m[1] ?? ''}${m[2]}.${m[3]}`;
      if (!known.has(address)) continue;
      const attribute = /^\.([A-Za-z_][\w-]*)/.exec(m[4])?.[1] ?? '';
      found.set(`${address} ${attribute}`, { address, attribute });
    }
  }
  return [...found.values()];
}

/** Every string inside a JSON value, with its path. */
export function stringLeaves(
  value: unknown,
  at: Array<string | number> = [],
): Array<[Array<string | number>, string]> {
  if (typeof value === 'string') return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...at, i]));
  if (isRecord(value)) return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...at, k]));
  return [];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function constructPath(stack: string, body: Record<string, unknown>, fallback: string): string {
  const comment = body['//'];
  const metadata = isRecord(comment) ? comment.metadata : undefined;
  const full = isRecord(metadata) && typeof metadata.path === 'string' ? metadata.path : undefined;
  if (!full) return fallback;
  return full
    .replace(new RegExp(`^${stack.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`), '')
    .replace(/\/Resource$/, '');
}

/**
 * Reads one synthesized stack.
 * @throws CliError (exit 1) when the file is not a synthesized stack
 */
export function readStackModel(stack: string, file: string): StackModel {
  const json = readStackJson(file);
  const { manifests } = readStackManifests(stack, file, json);
  const records: ResourceRecord[] = [];
  for (const mode of ['managed', 'data'] as const) {
    const types = json[mode === 'managed' ? 'resource' : 'data'];
    if (!isRecord(types)) continue;
    for (const [type, resources] of Object.entries(types)) {
      if (!isRecord(resources)) continue;
      for (const [name, body] of Object.entries(resources)) {
        if (!isRecord(body)) continue;
        const rest = Object.fromEntries(Object.entries(body).filter(([k]) => k !== '//'));
        const address = `${mode === 'data' ? 'data.' : ''}${type}.${name}`;
        records.push({ address, type, name, mode, path: constructPath(stack, body, name), body: rest });
      }
    }
  }
  records.sort((a, b) => compare(a.address, b.address));
  const resources = new Map(records.map((r) => [r.address, r]));
  const outputs = new Map<string, OutputRecord>();
  if (isRecord(json.output)) {
    for (const name of Object.keys(json.output).sort()) {
      const o = json.output[name];
      if (isRecord(o)) outputs.set(name, { name, value: o.value, sensitive: o.sensitive === true });
    }
  }
  return buildTopology({ stack, file, resources, outputs, manifests });
}

/** A function that names what a reference in template text points at. */
export type Labeller = (text: string) => string;

/**
 * Renders template text for a reader: literal text as is, each `${…}` as the resource it reads
 * (`‹Web/Node-web-1 port›`), secrets (`random_password`, private keys, …) as `(sensitive)`.
 */
export function labelTemplate(text: string, resources: ReadonlyMap<string, ResourceRecord>): string {
  return parseTemplate(text)
    .map((part) => {
      if (part.kind === 'literal') return part.text;
      if (part.kind === 'directive') return part.source;
      return `‹${referenceLabel(part.expression, resources)}›`;
    })
    .join('');
}

/** How one reference reads: `Web/Node-web-1 port`, `Net/Subnet cidr`, `(sensitive)`. */
export function referenceLabel(expression: string, resources: ReadonlyMap<string, ResourceRecord>): string {
  const kind = classifyReference(expression);
  if (kind === 'secret') return '(sensitive)';
  const target = referenceTarget(expression);
  const record = resources.get(`${target.type}.${target.name}`);
  if (!record) return expression.length > 60 ? `${expression.slice(0, 59)}…` : expression;
  const name = resourceName(record);
  if (kind === 'private-address' || kind === 'public-address' || kind === 'ipv6-address') return name;
  const attribute = target.attribute.replace(/^\./, '').split(/[.[]/)[0];
  return attribute ? `${name} ${attribute}` : name;
}

/** A resource's display name: its construct path, `…/Port` read as `… port`. */
export function resourceName(record: ResourceRecord): string {
  if (record.type === 'openstack_networking_port_v2' && /\/Port$/.test(record.path)) {
    return `${record.path.slice(0, -'/Port'.length)} port`;
  }
  if (record.type === 'openstack_networking_floatingip_v2' && /\/FloatingIp$/.test(record.path)) {
    return `${record.path.slice(0, -'/FloatingIp'.length)} floating IP`;
  }
  return record.path;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

interface ModelInput {
  readonly stack: string;
  readonly file: string;
  readonly resources: Map<string, ResourceRecord>;
  readonly outputs: Map<string, OutputRecord>;
  readonly manifests: StoredHostManifest[];
}

const SELF_HOSTED: Record<string, 'nginx' | 'haproxy'> = {
  'nginx-balancer': 'nginx',
  'haproxy-balancer': 'haproxy',
};

function buildTopology(input: ModelInput): StackModel {
  const { resources, manifests } = input;
  const ofType = (type: string): ResourceRecord[] =>
    [...resources.values()].filter((r) => r.type === type && r.mode === 'managed');
  const refsOf = (value: unknown, type?: string): FoundReference[] =>
    stringLeaves(value)
      .flatMap(([, s]) => referencesIn(s, resources))
      .filter((r) => type === undefined || r.address.startsWith(`${type}.`));
  const firstRef = (value: unknown, type?: string): string | undefined => refsOf(value, type)[0]?.address;

  // Ports: their groups and the VIP ports they carry (allowed_address_pairs).
  const portGroups = new Map<string, string[]>();
  const portVips = new Map<string, string[]>();
  const portByFixedIp = new Map<string, string>();
  for (const port of ofType('openstack_networking_port_v2')) {
    for (const ip of list(port.body.fixed_ip)) {
      const address = isRecord(ip) ? text(ip.ip_address) : undefined;
      if (address && !address.includes('${')) portByFixedIp.set(address, port.address);
    }
  }
  for (const port of ofType('openstack_networking_port_v2')) {
    portGroups.set(
      port.address,
      refsOf(port.body.security_group_ids, 'openstack_networking_secgroup_v2').map((r) => r.address),
    );
    const pairs = list(port.body.allowed_address_pairs).map((p) => (isRecord(p) ? p.ip_address : undefined));
    const literal = pairs
      .map((p) => (typeof p === 'string' ? portByFixedIp.get(p.replace(/\/32$/, '')) : undefined))
      .filter((p): p is string => p !== undefined && p !== port.address);
    portVips.set(port.address, [
      ...refsOf(pairs, 'openstack_networking_port_v2').map((r) => r.address),
      ...literal,
    ]);
  }
  const groupsByName = new Map<string, string>();
  for (const g of ofType('openstack_networking_secgroup_v2')) {
    const name = text(g.body.name);
    if (name) groupsByName.set(name, g.address);
  }

  // Hosts.
  const manifestsByHost = new Map<string, StoredHostManifest[]>();
  for (const m of manifests) manifestsByHost.set(m.host, [...(manifestsByHost.get(m.host) ?? []), m]);
  const portOwner = new Map<string, string>();
  const hosts: HostNode[] = ofType('openstack_compute_instance_v2').map((instance) => {
    const own = manifests.find((m) => m.resource === instance.address);
    const name = own?.host ?? labelTemplate(text(instance.body.name) ?? instance.name, resources);
    const ports = refsOf(
      list(instance.body.network).map((n) => (isRecord(n) ? n.port : undefined)),
      'openstack_networking_port_v2',
    ).map((r) => r.address);
    for (const p of ports) portOwner.set(p, instance.address);
    const named = list(instance.body.security_groups)
      .map((g) =>
        typeof g === 'string'
          ? (groupsByName.get(g) ?? firstRef(g, 'openstack_networking_secgroup_v2'))
          : undefined,
      )
      .filter((g): g is string => g !== undefined);
    const roles = [...new Set((manifestsByHost.get(name) ?? []).map((m) => m.role))];
    return {
      address: instance.address,
      path: instance.path,
      name,
      role: own?.role ?? roles[0] ?? 'instance',
      ports,
      groups: [...new Set([...ports.flatMap((p) => portGroups.get(p) ?? []), ...named])].sort(),
    };
  });
  const hostByAddress = new Map(hosts.map((h) => [h.address, h]));

  /** A member address as read: label, and the host it belongs to. */
  const memberAddress = (raw: string): { address: string; host?: string } => {
    const parts = parseTemplate(raw);
    if (parts.length === 1 && parts[0].kind === 'interpolation') {
      const found = referencesIn(raw, resources)[0];
      const owner = found
        ? found.address.startsWith('openstack_compute_instance_v2.')
          ? found.address
          : portOwner.get(found.address)
        : undefined;
      const host = owner ? hostByAddress.get(owner)?.name : undefined;
      return { address: referenceLabel(parts[0].expression, resources), ...(host ? { host } : {}) };
    }
    return { address: labelTemplate(raw, resources) };
  };
  const toMember = (m: { address: string; port: string; name?: string; notes: string[] }): BalancerMember => {
    const { address, host } = memberAddress(m.address);
    return {
      key: `${m.address}:${m.port}`,
      ...(m.name ? { name: labelTemplate(m.name, resources) } : {}),
      address,
      ...(host ? { host } : {}),
      port: labelTemplate(m.port, resources),
      notes: m.notes,
    };
  };

  // Self-hosted balancers: hosts whose manifests say nginx-balancer / haproxy-balancer.
  const balancers: Balancer[] = [];
  const selfHosted = new Map<
    string,
    {
      kind: 'nginx' | 'haproxy';
      names: string[];
      entries: string[];
      config: ParsedBalancerConfig[];
      resources: string[];
      vip?: string;
    }
  >();
  for (const [hostName, group] of [...manifestsByHost.entries()].sort(([a], [b]) => compare(a, b))) {
    const role = group.map((m) => SELF_HOSTED[m.role]).find((k) => k !== undefined);
    if (!role) continue;
    const host = hosts.find((h) => h.name === hostName);
    const files = new Map<string, StoredHostFile>();
    for (const m of [
      ...group.filter((g) => g.delivery === 'cloud-init'),
      ...group.filter((g) => g.delivery === 'ssh'),
    ]) {
      for (const f of m.files) files.set(f.path, f);
    }
    const config = role === 'nginx' ? parseNginx([...files.values()]) : parseHaproxy([...files.values()]);
    const vip = host?.ports.flatMap((p) => portVips.get(p) ?? [])[0];
    const key = vip ?? host?.address ?? `host ${hostName}`;
    const entry = selfHosted.get(key) ?? {
      kind: role,
      names: [],
      entries: [],
      config: [],
      resources: [],
      ...(vip ? { vip } : {}),
    };
    entry.names.push(hostName);
    entry.entries.push(...(host?.ports ?? []), ...(vip ? [vip] : []));
    entry.config.push(config);
    entry.resources.push(...(host ? [host.address] : []), ...group.map((m) => m.resource));
    selfHosted.set(key, entry);
  }
  for (const [key, entry] of selfHosted) {
    const listeners = new Map<string, BalancerListener>();
    const pools = new Map<string, { pool: ParsedPool; members: Map<string, BalancerMember> }>();
    for (const config of entry.config) {
      for (const l of config.listeners) {
        const id = `${l.name} ${l.port}`;
        if (!listeners.has(id)) listeners.set(id, toListener(l, resources));
      }
      for (const p of config.pools) {
        const known = pools.get(p.name) ?? { pool: p, members: new Map<string, BalancerMember>() };
        for (const m of p.members) {
          const member = toMember(m);
          if (!known.members.has(member.key)) known.members.set(member.key, member);
        }
        pools.set(p.name, known);
      }
    }
    const entries = [...new Set(entry.entries)];
    balancers.push({
      key,
      kind: entry.kind,
      label: `${entry.kind} ${entry.names.join(' + ')}${entry.vip ? ' (keepalived VIP)' : ''}`,
      entries,
      groups: [...new Set(entries.flatMap((p) => portGroups.get(p) ?? []))].sort(),
      listeners: [...listeners.values()].sort(byPort),
      pools: [...pools.values()].map(({ pool, members }) => ({
        name: pool.name,
        ...(pool.protocol ? { protocol: pool.protocol } : {}),
        ...(pool.algorithm ? { algorithm: pool.algorithm } : {}),
        members: [...members.values()],
      })),
      resources: [...new Set(entry.resources)].sort(),
    });
  }

  // Octavia.
  const octaviaListeners = ofType('openstack_lb_listener_v2');
  const octaviaPools = ofType('openstack_lb_pool_v2');
  for (const lb of ofType('openstack_lb_loadbalancer_v2')) {
    const listenerRecords = octaviaListeners.filter((l) => firstRef(l.body.loadbalancer_id) === lb.address);
    const listenerAddresses = new Set(listenerRecords.map((l) => l.address));
    const poolRecords = octaviaPools.filter(
      (p) =>
        firstRef(p.body.loadbalancer_id) === lb.address ||
        listenerAddresses.has(firstRef(p.body.listener_id) ?? ''),
    );
    const poolName = new Map(poolRecords.map((p) => [p.address, text(p.body.name) ?? p.path]));
    const policies = ofType('openstack_lb_l7policy_v2');
    const listeners: BalancerListener[] = listenerRecords.map((l) => {
      const targets = [
        firstRef(l.body.default_pool_id),
        ...poolRecords.filter((p) => firstRef(p.body.listener_id) === l.address).map((p) => p.address),
        ...policies
          .filter((p) => firstRef(p.body.listener_id) === l.address)
          .map((p) => firstRef(p.body.redirect_pool_id)),
      ];
      return {
        name: text(l.body.name) ?? l.path,
        port: String(l.body.protocol_port ?? ''),
        protocol: String(l.body.protocol ?? '').toLowerCase(),
        allowed: list(l.body.allowed_cidrs).map((c) => labelTemplate(String(c), resources)),
        pools: [
          ...new Set(targets.map((t) => (t ? poolName.get(t) : undefined)).filter((t): t is string => !!t)),
        ],
        local: false,
        resource: l.address,
      };
    });
    const pools: BalancerPool[] = poolRecords.map((p) => {
      const members: BalancerMember[] = [];
      for (const ms of ofType('openstack_lb_members_v2').filter(
        (m) => firstRef(m.body.pool_id) === p.address,
      )) {
        for (const m of list(ms.body.member)) {
          if (!isRecord(m)) continue;
          members.push(toMember(octaviaMember(m)));
        }
      }
      for (const m of ofType('openstack_lb_member_v2').filter(
        (x) => firstRef(x.body.pool_id) === p.address,
      )) {
        members.push(toMember(octaviaMember(m.body)));
      }
      const monitor = ofType('openstack_lb_monitor_v2').find((m) => firstRef(m.body.pool_id) === p.address);
      return {
        name: poolName.get(p.address) ?? p.path,
        ...(p.body.protocol ? { protocol: String(p.body.protocol).toLowerCase() } : {}),
        ...(p.body.lb_method ? { algorithm: String(p.body.lb_method) } : {}),
        ...(monitor ? { monitor: monitorSummary(monitor.body) } : {}),
        members,
        resource: p.address,
      };
    });
    balancers.push({
      key: lb.address,
      kind: 'octavia',
      label: `Octavia ${text(lb.body.name) ?? lb.path}`,
      entries: [lb.address],
      groups: refsOf(lb.body.security_group_ids, 'openstack_networking_secgroup_v2')
        .map((r) => r.address)
        .sort(),
      listeners: listeners.sort(byPort),
      pools,
      resources: [
        lb.address,
        ...listenerRecords.map((l) => l.address),
        ...poolRecords.map((p) => p.address),
      ].sort(),
    });
  }
  balancers.sort((a, b) => compare(a.key, b.key));
  const balancerOfEntry = new Map<string, Balancer>();
  for (const b of balancers) for (const e of b.entries) balancerOfEntry.set(e, b);

  // Security groups and ingress rules.
  const groups: SecurityGroupNode[] = ofType('openstack_networking_secgroup_v2').map((g) => {
    const members = [
      ...hosts.filter((h) => h.groups.includes(g.address)).map((h) => h.name),
      ...balancers.filter((b) => b.kind === 'octavia' && b.groups.includes(g.address)).map((b) => b.label),
      ...[...portGroups.entries()]
        .filter(([p, gs]) => gs.includes(g.address) && !portOwner.has(p))
        .map(([p]) => {
          const record = resources.get(p);
          const name = record ? resourceName(record) : p;
          return / port$/.test(name) ? name : `${name} port`;
        }),
    ];
    return {
      address: g.address,
      path: g.path,
      name: text(g.body.name) ?? g.name,
      members: [...new Set(members)].sort(),
    };
  });
  const rules: IngressRule[] = ofType('openstack_networking_secgroup_rule_v2')
    .filter((r) => r.body.direction === 'ingress')
    .map((r) => {
      const prefix = text(r.body.remote_ip_prefix);
      const remoteGroup = text(r.body.remote_group_id);
      let remote: RuleRemote;
      if (remoteGroup !== undefined) {
        remote = { kind: 'group', group: firstRef(remoteGroup) ?? remoteGroup };
      } else if (prefix === undefined || prefix === '') {
        remote = { kind: 'world', text: 'any' };
      } else if (prefix.includes('${')) {
        remote = { kind: 'reference', text: labelTemplate(prefix, resources) };
      } else if (/\/0$/.test(prefix)) {
        remote = { kind: 'world', text: prefix };
      } else {
        remote = { kind: 'cidr', text: prefix };
      }
      const group = text(r.body.security_group_id) ?? '';
      return {
        address: r.address,
        group: firstRef(group) ?? group,
        ethertype: text(r.body.ethertype) ?? 'IPv4',
        protocol: text(r.body.protocol)?.toLowerCase() || 'any',
        ...(numberOf(r.body.port_range_min) !== undefined
          ? { portMin: numberOf(r.body.port_range_min) }
          : {}),
        ...(numberOf(r.body.port_range_max) !== undefined
          ? { portMax: numberOf(r.body.port_range_max) }
          : {}),
        ...portText(r.body.port_range_min, r.body.port_range_max, resources),
        remote,
        ...(text(r.body.description) ? { description: text(r.body.description) } : {}),
      };
    });

  // Floating IPs.
  const targetOf = (ref: string | undefined): FloatingIpNode['target'] => {
    if (!ref) return undefined;
    const balancer = balancerOfEntry.get(ref);
    if (balancer) return { kind: 'balancer', key: balancer.key, label: balancer.label };
    const owner = portOwner.get(ref) ?? (hostByAddress.has(ref) ? ref : undefined);
    const ownerBalancer = owner ? balancers.find((b) => b.resources.includes(owner)) : undefined;
    if (ownerBalancer) return { kind: 'balancer', key: ownerBalancer.key, label: ownerBalancer.label };
    const host = owner ? hostByAddress.get(owner) : undefined;
    if (host) return { kind: 'host', key: host.address, label: `${host.role} ${host.name}` };
    const record = resources.get(ref);
    return { kind: 'other', key: ref, label: record ? resourceName(record) : ref };
  };
  const associations = [
    ...ofType('openstack_networking_floatingip_associate_v2').map((a) => ({
      fip: firstRef(a.body.floating_ip, 'openstack_networking_floatingip_v2'),
      target: firstRef(a.body.port_id),
    })),
    ...ofType('openstack_compute_floatingip_associate_v2').map((a) => ({
      fip: firstRef(a.body.floating_ip, 'openstack_networking_floatingip_v2'),
      target: firstRef(a.body.instance_id),
    })),
  ];
  const floatingIps: FloatingIpNode[] = ofType('openstack_networking_floatingip_v2').map((f) => {
    const association = associations.find((a) => a.fip === f.address);
    const attached = association?.target ?? firstRef(f.body.port_id);
    const target = targetOf(attached);
    const record = attached ? resources.get(attached) : undefined;
    const on = record
      ? record.type === 'openstack_lb_loadbalancer_v2'
        ? `${resourceName(record)} VIP port`
        : resourceName(record)
      : undefined;
    return {
      address: f.address,
      path: f.path,
      ...(text(f.body.pool) ? { pool: text(f.body.pool) } : {}),
      ...(on ? { attachedTo: on } : {}),
      ...(target ? { target } : {}),
    };
  });

  // Volumes.
  const attachments = ofType('openstack_compute_volume_attach_v2');
  const volumes: VolumeNode[] = [...resources.values()]
    .filter((r) => r.mode === 'managed' && /^openstack_blockstorage_volume_v\d$/.test(r.type))
    .map((v) => {
      const lifecycle = v.body.lifecycle;
      const size = numberOf(v.body.size);
      return {
        address: v.address,
        path: v.path,
        ...(size !== undefined ? { size } : {}),
        preventDestroy: isRecord(lifecycle) && lifecycle.prevent_destroy === true,
        attachedTo: attachments
          .filter((a) => firstRef(a.body.volume_id) === v.address)
          .map((a) => hostByAddress.get(firstRef(a.body.instance_id) ?? '')?.name)
          .filter((n): n is string => n !== undefined)
          .sort(),
      };
    });

  return { ...input, hosts, balancers, groups, rules, floatingIps, volumes };
}

/** `{ portText }` when a port bound is given but is not a number. */
function portText(
  min: unknown,
  max: unknown,
  resources: ReadonlyMap<string, ResourceRecord>,
): { portText?: string } {
  const odd = [min, max].some((v) => v !== undefined && numberOf(v) === undefined);
  if (!odd) return {};
  const show = (v: unknown): string =>
    typeof v === 'string' ? labelTemplate(v, resources) : String(v ?? '');
  return { portText: min === max ? show(min) : `${show(min)}-${show(max)}` };
}

function byPort(a: BalancerListener, b: BalancerListener): number {
  const n = (l: BalancerListener): number => (/^\d+$/.test(l.port) ? Number(l.port) : 65536);
  return n(a) - n(b) || compare(a.name, b.name);
}

function toListener(l: ParsedListener, resources: ReadonlyMap<string, ResourceRecord>): BalancerListener {
  return {
    name: l.name,
    port: labelTemplate(l.port, resources),
    protocol: l.protocol,
    allowed: l.allowed.map((a) => labelTemplate(a, resources)),
    pools: l.pools,
    local: l.local,
  };
}

function octaviaMember(m: Readonly<Record<string, unknown>>): {
  address: string;
  port: string;
  name?: string;
  notes: string[];
} {
  const notes: string[] = [];
  if (m.weight !== undefined) notes.push(`weight=${String(m.weight)}`);
  if (m.backup === true) notes.push('backup');
  if (m.admin_state_up === false) notes.push('down');
  return {
    address: String(m.address ?? ''),
    port: String(m.protocol_port ?? ''),
    ...(typeof m.name === 'string' ? { name: m.name } : {}),
    notes,
  };
}

function monitorSummary(body: Readonly<Record<string, unknown>>): string {
  const parts = [String(body.type ?? '')];
  if (body.http_method || body.url_path)
    parts.push(`${String(body.http_method ?? 'GET')} ${String(body.url_path ?? '/')}`);
  if (body.delay !== undefined) parts.push(`every ${String(body.delay)}s`);
  return parts.join(' ');
}
