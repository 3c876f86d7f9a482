/**
 * Builds the topology of one stack for `webfarm review` from its resources: hosts (instances and
 * their ports), balancers (from the balancers' own topology records), security groups and
 * ingress rules, floating IPs and volumes.
 */
import type { BalancerTopology } from '../core/topology';
import type {
  Balancer,
  BalancerListener,
  BalancerMember,
  BalancerPool,
  FloatingIpNode,
  FoundReference,
  HostNode,
  IngressRule,
  OutputRecord,
  ResourceRecord,
  RuleRemote,
  SecurityGroupNode,
  StackModel,
  VariableRecord,
  VolumeNode,
} from './review-model';
import { labelTemplate, referenceLabel, referencesIn, resourceName, stringLeaves } from './review-refs';
import { isRecord, StoredHostManifest } from './stacks';
import { parseTemplate } from './terraform-text';

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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

/** What {@link buildTopology} starts from. */
export interface ModelInput {
  /** Stack name. */
  readonly stack: string;
  /** The `cdk.tf.json` file. */
  readonly file: string;
  /** Resources and data sources by address, sorted. */
  readonly resources: Map<string, ResourceRecord>;
  /** Outputs by name. */
  readonly outputs: Map<string, OutputRecord>;
  /** Variables by name. */
  readonly variables: Map<string, VariableRecord>;
  /** Locals by name. */
  readonly locals: Map<string, unknown>;
  /** Host manifests. */
  readonly manifests: StoredHostManifest[];
  /** Topology records. */
  readonly topologies: Array<{ resource: string; topology: BalancerTopology }>;
}

/** The stack model: {@link ModelInput} with its hosts, balancers, groups, rules, addresses, volumes. */
export function buildTopology(input: ModelInput): StackModel {
  const { resources, manifests } = input;
  const byType = new Map<string, ResourceRecord[]>();
  for (const r of resources.values()) {
    if (r.mode !== 'managed') continue;
    byType.set(r.type, [...(byType.get(r.type) ?? []), r]);
  }
  const ofType = (type: string): ResourceRecord[] => byType.get(type) ?? [];
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

  // Balancers: every backend records its own topology at synth.
  const balancers: Balancer[] = input.topologies.map(({ topology: r }) => {
    const key = r.balancer.startsWith(`${input.stack}/`)
      ? r.balancer.slice(input.stack.length + 1)
      : r.balancer;
    const label =
      r.backend === 'octavia'
        ? `Octavia ${r.name}`
        : `${r.backend} ${r.name}${r.virtualIpPort ? ' (keepalived VIP)' : ''}`;
    const listeners: BalancerListener[] = r.listeners.flatMap((l) => {
      const allowed = l.reachableFrom.map((c) => labelTemplate(c, resources));
      return [
        {
          name: l.name,
          port: String(l.port),
          protocol: l.protocol,
          allowed,
          pools: [...l.pools],
          local: false,
          ...(l.resource ? { resource: l.resource } : {}),
        },
        // An HTTP → HTTPS redirect port answers clients too.
        ...(l.extraPorts ?? []).map((port) => ({
          name: `${l.name} (redirect)`,
          port: String(port),
          protocol: 'http',
          allowed,
          pools: [],
          local: false,
        })),
      ];
    });
    const pools: BalancerPool[] = r.pools.map((p) => ({
      name: p.name,
      protocol: p.protocol,
      algorithm: p.algorithm,
      ...(p.healthCheck ? { monitor: p.healthCheck } : {}),
      members: p.members.map((m) => {
        const notes: string[] = [];
        if (m.weight !== undefined) notes.push(`weight=${m.weight}`);
        if (m.backup) notes.push('backup');
        return toMember({ address: m.host, port: String(m.port), name: m.name, notes });
      }),
      ...(p.resource ? { resource: p.resource } : {}),
      managed: p.managed === 'runtime' ? 'runtime' : 'terraform',
    }));
    return {
      key,
      kind: r.backend,
      label,
      entries: [...r.entries],
      groups: [...r.securityGroups].sort(),
      listeners: listeners.sort(byPort),
      pools,
      resources: [...r.resources].sort(),
    };
  });
  balancers.sort((a, b) => compare(a.key, b.key));
  const balancerOfEntry = new Map<string, Balancer>();
  for (const b of balancers) for (const e of b.entries) balancerOfEntry.set(e, b);

  // Security groups and ingress rules.
  const groups: SecurityGroupNode[] = ofType('openstack_networking_secgroup_v2').map((g) => {
    const members = [
      ...hosts.filter((h) => h.groups.includes(g.address)).map((h) => h.name),
      ...balancers
        .filter((b) => b.groups.includes(g.address) && !hosts.some((h) => h.groups.includes(g.address)))
        .map((b) => b.label),
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
