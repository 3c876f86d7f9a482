/**
 * The load-balancer view of one synthesized stack for `webfarm review`: resources by address,
 * variables and locals, hosts, balancers (from the topology records every balancer backend
 * writes at synth, lib/core/topology.ts) with listeners, pools and members, security groups and
 * ingress rules, floating IPs and volumes. Pure reading of `cdk.tf.json`.
 */
// Type-only: the CLI never loads lib/core (and through it cdktf) at run time.
import type { BalancerTopology, TOPOLOGY_KEY } from '../core/topology';
import { CliError } from './errors';
import { buildTopology } from './review-topology';
import { isRecord, readStackJson, readStackManifests, StoredHostManifest } from './stacks';

/** The key under a resource's `"//"` block that holds a topology record (checked against lib/core). */
export const TOPOLOGY_RECORD_KEY: typeof TOPOLOGY_KEY = 'webfarm-topology';

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
  /** The listener's own resource (Octavia), if any. */
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
  /** The pool's own resource (Octavia), if any. */
  readonly resource?: string;
  /** Who keeps the member list: Terraform, or the balancer at run time. */
  readonly managed: 'terraform' | 'runtime';
}

/** A balancer: a self-hosted nginx / HAProxy host (or keepalived pair), or an Octavia load balancer. */
export interface Balancer {
  /** Stable identity: the balancer's construct path. */
  readonly key: string;
  /** Backend: `nginx`, `haproxy`, `octavia`, … */
  readonly kind: string;
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

/** A variable of a stack (`variable` block). */
export interface VariableRecord {
  /** Variable name. */
  readonly name: string;
  /** Its default, if any. */
  readonly default?: unknown;
  /** Declared `sensitive`. */
  readonly sensitive: boolean;
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
  /** Variables by name. */
  readonly variables: ReadonlyMap<string, VariableRecord>;
  /** Locals by name (their expressions). */
  readonly locals: ReadonlyMap<string, unknown>;
  /** The balancer topology records, with the resource that carries each. */
  readonly topologies: ReadonlyArray<{ readonly resource: string; readonly topology: BalancerTopology }>;
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
 * The balancer of `base` that `balancer` continues: the same construct path, else one of the
 * same kind that shares a resource with it.
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
  const topologies: Array<{ resource: string; topology: BalancerTopology }> = [];
  for (const mode of ['managed', 'data'] as const) {
    const types = json[mode === 'managed' ? 'resource' : 'data'];
    if (!isRecord(types)) continue;
    for (const [type, resources] of Object.entries(types)) {
      if (!isRecord(resources)) continue;
      for (const [name, body] of Object.entries(resources)) {
        if (!isRecord(body)) continue;
        const rest = Object.fromEntries(Object.entries(body).filter(([k]) => k !== '//'));
        const address = `${mode === 'data' ? 'data.' : ''}${type}.${name}`;
        const comment = body['//'];
        if (isRecord(comment) && comment[TOPOLOGY_RECORD_KEY] !== undefined) {
          topologies.push({
            resource: address,
            topology: checkTopology(comment[TOPOLOGY_RECORD_KEY], address, file),
          });
        }
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
  const variables = new Map<string, VariableRecord>();
  if (isRecord(json.variable)) {
    for (const [name, v] of Object.entries(json.variable)) {
      if (!isRecord(v)) continue;
      variables.set(name, {
        name,
        ...(v.default !== undefined ? { default: v.default } : {}),
        sensitive: v.sensitive === true,
      });
    }
  }
  const locals = new Map<string, unknown>(isRecord(json.locals) ? Object.entries(json.locals) : []);
  return buildTopology({ stack, file, resources, outputs, variables, locals, manifests, topologies });
}

/** The stack's path prefix removed from a construct path (`web/Balancer` → `Balancer`). */
export function stackRelative(stack: string, full: string): string {
  return full.startsWith(`${stack}/`) ? full.slice(stack.length + 1) : full;
}

/** Checks the shape of a topology record (written by lib/core/topology.ts). */
function checkTopology(recorded: unknown, resource: string, file: string): BalancerTopology {
  const fail = (what: string): never => {
    throw new CliError(1, `${file}: ${resource}: malformed webfarm topology record: ${what}`);
  };
  // Written as one JSON text (see recordTopology); a record written as an object reads the same.
  let value = recorded;
  if (typeof recorded === 'string') {
    try {
      value = JSON.parse(recorded);
    } catch (error) {
      return fail(`not JSON (${(error as Error).message})`);
    }
  }
  if (!isRecord(value)) return fail('expected an object');
  for (const key of ['balancer', 'backend', 'name'] as const) {
    if (typeof value[key] !== 'string') fail(`${key} is not a string`);
  }
  for (const key of ['hosts', 'entries', 'securityGroups', 'resources', 'listeners', 'pools'] as const) {
    if (!Array.isArray(value[key])) fail(`${key} is not a list`);
  }
  for (const [i, l] of (value.listeners as unknown[]).entries()) {
    if (
      !isRecord(l) ||
      typeof l.name !== 'string' ||
      !Array.isArray(l.pools) ||
      !Array.isArray(l.reachableFrom)
    )
      fail(`listeners[${i}] needs name, pools and reachableFrom`);
  }
  for (const [i, p] of (value.pools as unknown[]).entries()) {
    if (!isRecord(p) || typeof p.name !== 'string' || !Array.isArray(p.members))
      fail(`pools[${i}] needs name and members`);
  }
  // Stored with each member address once (`addresses`), members naming theirs by index.
  const addresses = value.addresses;
  if (addresses === undefined) return value as unknown as BalancerTopology;
  if (!Array.isArray(addresses) || addresses.some((a) => typeof a !== 'string')) {
    return fail('addresses is not a list of strings');
  }
  const pools = (value.pools as Array<Record<string, unknown>>).map((p, i) => ({
    ...p,
    members: (p.members as unknown[]).map((m, j) => {
      if (!isRecord(m) || typeof m.address !== 'number' || addresses[m.address] === undefined) {
        return fail(`pools[${i}].members[${j}] names no address of the record`);
      }
      const { address, ...member } = m;
      return { ...member, host: addresses[address] as string };
    }),
  }));
  const topology: Record<string, unknown> = { ...value, pools };
  delete topology.addresses;
  return topology as unknown as BalancerTopology;
}
