import { ValidationError } from './errors';
import { isUnresolved } from './tokens';

/**
 * Eager prop checks shared by every construct and renderer (DESIGN "Bad input"). Each one
 * skips unresolved Terraform tokens and throws one {@link ValidationError} otherwise.
 */

/** Throws unless `value` is an integer port 1–65535. */
export function checkPort(path: string, what: string, value: number): void {
  if (isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new ValidationError({
      path,
      what,
      value,
      allowed: 'an integer from 1 to 65535',
      fix: 'give the TCP/UDP port number the service listens on',
    });
  }
}

/** Throws unless `value` is an integer in [min, max]. */
export function checkInteger(
  path: string,
  what: string,
  value: number,
  min: number,
  max: number,
  fix: string,
): void {
  if (isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError({
      path,
      what,
      value,
      allowed: max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`,
      fix,
    });
  }
}

/** Throws unless `value` is a positive finite number of seconds (fractions allowed). */
export function checkSeconds(path: string, what: string, value: number, max = 86400): void {
  if (isUnresolved(value)) return;
  // nginx and HAProxy count in milliseconds: less than 1 ms would be written `0ms`, which both refuse.
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0.001 || value > max) {
    throw new ValidationError({
      path,
      what,
      value,
      allowed: `a number of seconds from 0.001 (1 ms) to ${max}`,
      fix: 'give the duration in seconds, e.g. 3 or 0.5',
    });
  }
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Throws unless `value` is a DNS-label-like name (lowercase letters, digits, `-`, at most 63
 * characters): safe as a host name, a config identifier and a construct id.
 */
export function checkName(path: string, what: string, value: string): void {
  if (isUnresolved(value)) return;
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new ValidationError({
      path,
      what,
      value,
      allowed:
        'lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
      fix: 'rename it, e.g. "web" or "api-v2"',
    });
  }
}

/** A parsed CIDR block. */
export interface ParsedCidr {
  /** 4 or 6. */
  readonly version: 4 | 6;
  /** The network address as a big integer (host bits zero or not, as given). */
  readonly address: bigint;
  /** Prefix length. */
  readonly prefix: number;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const groups: number[] = [];
    const items = s.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIpv4(item);
        if (v4 === undefined) return undefined;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return undefined;
        groups.push(parseInt(item, 16));
      }
    }
    return groups;
  };
  const head = toGroups(halves[0]);
  const tail = halves.length === 2 ? toGroups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parses an IPv4 or IPv6 address; `undefined` when it is neither. */
export function parseIp(text: string): { version: 4 | 6; address: bigint } | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { version: 4, address: v4 };
  const v6 = parseIpv6(text);
  if (v6 !== undefined) return { version: 6, address: v6 };
  return undefined;
}

/** Parses `a.b.c.d/n` or `x:y::z/n`; `undefined` when malformed. */
export function parseCidr(text: string): ParsedCidr | undefined {
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(text);
  if (!m) return undefined;
  const ip = parseIp(m[1]);
  if (!ip) return undefined;
  const prefix = Number(m[2]);
  if (prefix > (ip.version === 4 ? 32 : 128) || String(prefix) !== m[2]) return undefined;
  return { version: ip.version, address: ip.address, prefix };
}

/**
 * True when `text` is a CIDR block of prefix length 0: every IPv4 or every IPv6 address, however
 * it is spelled (`0.0.0.0/0`, `::/0`, `0::/0`, `0:0:0:0:0:0:0:0/0`). Unresolved tokens are not.
 */
export function isWorldCidr(text: string): boolean {
  if (isUnresolved(text) || typeof text !== 'string') return false;
  return parseCidr(text)?.prefix === 0;
}

/** True when `inner` lies entirely inside `outer` (same IP version). */
export function cidrContains(outer: ParsedCidr, inner: ParsedCidr): boolean {
  if (outer.version !== inner.version || inner.prefix < outer.prefix) return false;
  const bits = BigInt(outer.version === 4 ? 32 : 128);
  const shift = bits - BigInt(outer.prefix);
  return outer.address >> shift === inner.address >> shift;
}

/** Throws unless `value` is a CIDR block (IPv4 or IPv6) with no host bits set. */
export function checkCidr(
  path: string,
  what: string,
  value: string,
  version?: 4 | 6,
): ParsedCidr | undefined {
  if (isUnresolved(value)) return undefined;
  const allowed =
    version === 4
      ? 'an IPv4 CIDR block such as "203.0.113.0/24"'
      : version === 6
        ? 'an IPv6 CIDR block such as "2001:db8::/32"'
        : 'an IPv4 or IPv6 CIDR block such as "203.0.113.0/24" or "2001:db8::/32"';
  const parsed = typeof value === 'string' ? parseCidr(value) : undefined;
  if (!parsed || (version !== undefined && parsed.version !== version)) {
    throw new ValidationError({
      path,
      what,
      value,
      allowed,
      fix: 'write the network address and prefix length',
    });
  }
  const bits = parsed.version === 4 ? 32 : 128;
  const hostMask = (1n << BigInt(bits - parsed.prefix)) - 1n;
  if ((parsed.address & hostMask) !== 0n) {
    throw new ValidationError({
      path,
      what,
      value,
      allowed: `${allowed} with the host bits zero`,
      fix: `use the network address of that block (prefix /${parsed.prefix})`,
    });
  }
  return parsed;
}

/** Throws when an id is already taken in a collection keyed by stable names (a `Set` is checked without a scan). */
export function checkUnique(
  path: string,
  what: string,
  value: string,
  taken: ReadonlySet<string> | Iterable<string>,
): void {
  // An iterator (a Map's keys) can be read once: keep what it gave for the message.
  const list = taken instanceof Set ? undefined : [...taken];
  const used = list ? list.includes(value) : (taken as ReadonlySet<string>).has(value);
  if (used) {
    const existing = list ?? [...taken];
    throw new ValidationError({
      path,
      what,
      value,
      allowed: `a name not yet used (taken: ${existing.map((e) => JSON.stringify(e)).join(', ')})`,
      fix: 'choose another name; names are stable keys, so each must be unique',
    });
  }
}

/**
 * Throws unless `value` is one of `allowed` (exactly, case included). TypeScript's union types
 * do not reach JavaScript callers or JSON configuration: every enum-like option is checked here
 * where it enters, before it can reach configuration text.
 */
export function checkOneOf<T extends string>(
  path: string,
  what: string,
  value: unknown,
  allowed: readonly T[],
  fix = `use one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
): asserts value is T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return;
  throw new ValidationError({
    path,
    what,
    value,
    allowed: allowed.map((a) => JSON.stringify(a)).join(', '),
    fix,
  });
}

/**
 * True when `text` is a CIDR block so large that it stands for "anyone": an IPv4 prefix shorter
 * than /8 or an IPv6 prefix shorter than /16 (the world, or the world split in halves). No
 * private network, NFS client list or admin network is that large.
 */
export function isWorldSizedCidr(text: string): boolean {
  if (isUnresolved(text) || typeof text !== 'string') return false;
  const parsed = parseCidr(text);
  if (!parsed) return false;
  return parsed.prefix < (parsed.version === 4 ? 8 : 16);
}

/** Throws when `value` is a world-sized CIDR block (see {@link isWorldSizedCidr}). */
export function checkNotWorldSized(path: string, what: string, value: string, fix: string): void {
  if (!isWorldSizedCidr(value)) return;
  throw new ValidationError({
    path,
    what,
    value,
    allowed: 'a CIDR block of /8 or longer (IPv4) or /16 or longer (IPv6); larger blocks stand for anyone',
    fix,
  });
}

/**
 * Which address of `subnet` `address` is, when it is one no instance or VIP may take: the
 * network address, the broadcast address (IPv4), or the gateway (OpenStack's default: the
 * first address after the network address). `undefined` for an ordinary address.
 */
export function reservedSubnetAddress(
  subnet: ParsedCidr,
  address: bigint,
): 'network address' | 'broadcast address' | 'gateway address' | undefined {
  const bits = BigInt(subnet.version === 4 ? 32 : 128);
  const size = 1n << (bits - BigInt(subnet.prefix));
  const network = (subnet.address >> (bits - BigInt(subnet.prefix))) << (bits - BigInt(subnet.prefix));
  if (address === network) return 'network address';
  if (subnet.version === 4 && address === network + size - 1n) return 'broadcast address';
  if (address === network + 1n) return 'gateway address';
  return undefined;
}

/** What {@link checkNode} checks of a pool node. */
export interface NodeFields {
  /** The stable node name (`web-1`). */
  readonly name: string;
  /** The port on the node. */
  readonly port: number;
  /** The relative weight, if any. */
  readonly weight?: number;
}

/**
 * The one check of a pool node's name, port and weight, for the core model and every renderer:
 * a name of letters, digits, `.`, `_` and `-` (at most 63 characters; a Terraform reference is
 * left to Terraform unless `literalName`, as in a daemon's configuration where the name is a
 * server's), unique among `takenNames` when given (it is then added), a port 1–65535 and a
 * weight from 1 to 256.
 */
export function checkNode(
  path: string,
  node: NodeFields,
  takenNames?: Set<string>,
  literalName = false,
): void {
  if ((literalName || !isUnresolved(node.name)) && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(node.name)) {
    throw new ValidationError({
      path,
      what: 'node name',
      value: node.name,
      allowed: 'letters, digits, ".", "_" and "-", at most 63 characters',
      fix: 'name nodes like "web-1"',
    });
  }
  if (takenNames) {
    checkUnique(path, 'node name', node.name, takenNames);
    takenNames.add(node.name);
  }
  checkPort(path, `port of node '${node.name}'`, node.port);
  if (node.weight !== undefined) {
    checkInteger(
      path,
      `weight of node '${node.name}'`,
      node.weight,
      1,
      256,
      'give a relative weight from 1 to 256',
    );
  }
}

/**
 * Throws unless `value` is a plain object (a construct's props, a nested option): a JavaScript
 * caller may pass `null`, nothing, a string or a list, which would otherwise fail later with a
 * `TypeError` far from the mistake.
 */
export function checkObject(path: string, what: string, value: unknown, example: string): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError({
      path,
      what,
      value,
      allowed: 'an object',
      fix: `give ${what} as an object, e.g. ${example}`,
    });
  }
}

/**
 * Throws unless `value` is a login name (`debian`, `ubuntu`, `deploy_1`): a lowercase letter
 * or `_`, then lowercase letters, digits, `_`, `.` and `-`, at most 32 characters (what
 * `useradd` accepts on Debian and Ubuntu). A space, `@` or `;` would make SSH log in as someone
 * else or fail at the push.
 */
export function checkLoginName(path: string, what: string, value: string): void {
  if (isUnresolved(value)) return;
  if (typeof value !== 'string' || !/^[a-z_][a-z0-9_.-]{0,31}$/.test(value)) {
    throw new ValidationError({
      path,
      what,
      value,
      allowed:
        'a login name: a lowercase letter or "_", then lowercase letters, digits, "_", "." and "-", at most 32 characters',
      fix: 'give the image\'s login user, e.g. "debian" or "ubuntu"',
    });
  }
}

/**
 * Throws unless `address` (a literal IP address of `version`, when given) is inside the subnet
 * (`subnet.cidr`, called `subnet.label` in messages, e.g. "VIP subnet") and is none of its
 * reserved addresses (network, gateway, broadcast; {@link reservedSubnetAddress}): a virtual IP
 * or fixed address no instance otherwise takes. A token is left to the cloud, and so is the
 * subnet when it is unknown (`subnet.cidr` undefined or a token).
 */
export function checkSubnetAddress(
  path: string,
  what: string,
  address: string,
  subnet: { readonly cidr?: string; readonly label: string },
  fix: string,
  version?: 4 | 6,
): void {
  if (isUnresolved(address)) return;
  const ip = typeof address === 'string' ? parseIp(address) : undefined;
  const cidr = subnet.cidr !== undefined && !isUnresolved(subnet.cidr) ? subnet.cidr : undefined;
  const parsed = cidr !== undefined ? parseCidr(cidr) : undefined;
  if (!ip || (version !== undefined && ip.version !== version)) {
    const family = version === 4 ? 'an IPv4 address' : version === 6 ? 'an IPv6 address' : 'an IP address';
    throw new ValidationError({
      path,
      what,
      value: address,
      allowed: `${family} of the ${subnet.label}, without a prefix length`,
      fix,
    });
  }
  if (!parsed) return;
  if (!cidrContains(parsed, { ...ip, prefix: ip.version === 4 ? 32 : 128 })) {
    throw new ValidationError({
      path,
      what,
      value: address,
      allowed: `an address inside the ${subnet.label} ${cidr}`,
      fix,
    });
  }
  const reserved = reservedSubnetAddress(parsed, ip.address);
  if (reserved) {
    throw new ValidationError({
      path,
      what,
      value: address,
      allowed: `an address of ${cidr} other than its network, gateway and broadcast addresses (this is its ${reserved})`,
      fix,
    });
  }
}
