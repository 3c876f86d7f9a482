import { createHash } from 'crypto';

/**
 * What a Terraform reference stands for, as far as a reader of the files needs to know:
 * a private (fixed) address, a public (floating) address, an IPv6 address, a secret, or some
 * other value.
 */
export type ReferenceKind = 'private-address' | 'public-address' | 'ipv6-address' | 'secret' | 'value';

/** The placeholder written in place of one Terraform reference. */
export interface Placeholder {
  /** The reference as written in the stack, `${` and `}` included. */
  readonly reference: string;
  /** What is written instead. */
  readonly value: string;
  /** What the reference stands for. */
  readonly kind: ReferenceKind;
}

/** The parts of the first object a Terraform expression refers to. */
export interface ReferenceTarget {
  /** Resource or data source type, or `var`, `local`, `module`, … (empty when none was found). */
  readonly type: string;
  /** Resource name, variable name, … (empty when none was found). */
  readonly name: string;
  /** The attribute path after the name, e.g. `all_fixed_ips` or `network[0].fixed_ip_v4`. */
  readonly attribute: string;
}

const TRAVERSAL =
  /(?<![\w.-])(data\.)?([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*|\.\d+|\[[^\]]*\])*)/;
const NAMED_ROOTS = new Set(['var', 'local', 'module', 'each', 'count', 'self', 'path', 'terraform']);
const ADDRESS_WORDS = new Set(['ip', 'ips', 'ipv4', 'ipv6', 'address', 'addresses', 'addr']);
const NOT_AN_ADDRESS = new Set(['id', 'ids', 'version', 'count', 'prefix', 'prefixlen', 'length', 'mode']);
const SECRET_WORDS = new Set(['result', 'password', 'pass', 'secret']);

/**
 * The first object `expression` refers to: `element(openstack_networking_port_v2.Web1_Port.all_fixed_ips, 0)`
 * gives type `openstack_networking_port_v2`, name `Web1_Port`, attribute `all_fixed_ips`.
 */
export function referenceTarget(expression: string): ReferenceTarget {
  const withoutStrings = expression.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const match = TRAVERSAL.exec(withoutStrings);
  if (!match) return { type: '', name: '', attribute: '' };
  const [, data, first, second, rest] = match;
  if (data) return { type: `data.${first}`, name: second, attribute: trimDot(rest) };
  return { type: first, name: second, attribute: trimDot(rest) };
}

/** What `expression` (the text between `${` and `}`) stands for. */
export function classifyReference(expression: string): ReferenceKind {
  const target = referenceTarget(expression);
  const attributeWords = words(
    NAMED_ROOTS.has(target.type) ? `${target.name}.${target.attribute}` : target.attribute,
  );
  const typeWords = words(target.type);
  if (
    target.type === 'random_password' ||
    attributeWords.some((w) => SECRET_WORDS.has(w)) ||
    /private_key/.test(target.attribute)
  ) {
    return 'secret';
  }
  const meaningful = attributeWords.filter((w) => !/^(\d+|v4|v6)$/.test(w));
  const last = meaningful[meaningful.length - 1];
  if (attributeWords.some((w) => ADDRESS_WORDS.has(w)) && last !== undefined && !NOT_AN_ADDRESS.has(last)) {
    if (attributeWords.includes('v6') || attributeWords.includes('ipv6')) return 'ipv6-address';
    const publicWords = [...typeWords, ...attributeWords];
    return publicWords.some((w) => w === 'floating' || w === 'floatingip' || w === 'public')
      ? 'public-address'
      : 'private-address';
  }
  return 'value';
}

/**
 * Gives every reference of one stack its placeholder. Deterministic: the result depends only on
 * the set of references, never on their order, and a reference keeps its address when others are
 * added (each address comes from a hash of the reference, probing onward on a collision).
 * Distinct references get distinct placeholders.
 *
 * - private addresses: 192.0.2.1–254 (RFC 5737 TEST-NET-1), then 203.0.113.x when full;
 * - public (floating) addresses: 198.51.100.1–254 (TEST-NET-2), then 203.0.113.x;
 * - IPv6 addresses: 2001:db8::/32 (RFC 3849);
 * - secrets: `example-secret-1`, `example-secret-2`, … (clearly fake), shortened to the
 *   generator's declared length when that is shorter (`example1` for a `length = 8` password:
 *   keepalived's `auth_pass` takes at most 8 characters);
 * - anything else: `example-<name>-<attribute>` in lowercase letters, digits and `-`.
 *
 * @param references each `${…}` interpolation as written
 */
export function allocatePlaceholders(
  references: Iterable<string>,
  options: AllocateOptions = {},
): Map<string, Placeholder> {
  const sorted = [...new Set(references)].sort();
  const pools = {
    private: new AddressPool('192.0.2.'),
    public: new AddressPool('198.51.100.'),
    overflow: new AddressPool('203.0.113.'),
  };
  const usedIpv6 = new Set<number>();
  const usedValues = new Set<string>();
  const result = new Map<string, Placeholder>();
  let secrets = 0;
  for (const reference of sorted) {
    const expression = reference.replace(/^\$\{/, '').replace(/\}$/, '').trim();
    const kind = classifyReference(expression);
    let value: string;
    if (kind === 'private-address' || kind === 'public-address') {
      const pool = kind === 'private-address' ? pools.private : pools.public;
      const address = pool.take(reference) ?? pools.overflow.take(reference);
      if (address === undefined) {
        throw new Error(
          'more than 508 distinct address references in one stack: no documentation address left',
        );
      }
      value = address;
    } else if (kind === 'ipv6-address') {
      let slot = hash(reference) % 0xffff;
      while (usedIpv6.has(slot)) slot = (slot + 1) % 0xffff;
      usedIpv6.add(slot);
      value = `2001:db8::${(slot + 1).toString(16)}`;
    } else if (kind === 'secret') {
      secrets += 1;
      value = fakeSecret(secrets, options.secretLength?.(referenceTarget(expression)));
    } else {
      const target = referenceTarget(expression);
      const base =
        ['example', NAMED_ROOTS.has(target.type) ? target.type : '', target.name, target.attribute]
          .map(slug)
          .filter(Boolean)
          .join('-') || 'example';
      value = base === 'example' ? 'example-value' : base;
      for (let n = 2; usedValues.has(value); n += 1) value = `${base}-${n}`;
    }
    usedValues.add(value);
    result.set(reference, { reference, value, kind });
  }
  return result;
}

/** Options of {@link allocatePlaceholders}. */
export interface AllocateOptions {
  /**
   * The length the stack declares for a generated secret (a `random_password`'s `length`), so a
   * placeholder fits where the real value must fit.
   * @default - no limit
   */
  readonly secretLength?: (target: ReferenceTarget) => number | undefined;
}

/** `example-secret-<n>`, or a shorter `example<n>` / `examp<n>` … when `length` is smaller. */
export function fakeSecret(n: number, length?: number): string {
  const full = `example-secret-${n}`;
  if (length === undefined || !Number.isInteger(length) || length >= full.length) return full;
  const digits = String(n);
  return `${'example'.slice(0, Math.max(0, length - digits.length))}${digits}`;
}

/** 254 host addresses of one /24, handed out by hash with linear probing. */
class AddressPool {
  private readonly used = new Set<number>();

  constructor(private readonly prefix: string) {}

  /** An unused address for `reference`, or undefined when the pool is full. */
  take(reference: string): string | undefined {
    if (this.used.size >= 254) return undefined;
    let slot = hash(reference) % 254;
    while (this.used.has(slot)) slot = (slot + 1) % 254;
    this.used.add(slot);
    return `${this.prefix}${slot + 1}`;
  }
}

function hash(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function trimDot(text: string): string {
  return text.replace(/^\./, '');
}
