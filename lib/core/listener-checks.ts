import { ValidationError } from './errors';
import { isUnresolved } from './tokens';
import { checkCidr, checkInteger, parseCidr, parseIp } from './validate';

// Listener rules with one wording everywhere: the core model checks them for every backend, and
// the nginx and HAProxy renderers (which can be called on their own, through webfarm/config)
// call the same functions. Pure: lib/config may import it.

/**
 * Throws unless `allowedCidrs` is left out or a non-empty list of CIDR blocks (each checked by
 * {@link checkCidr}).
 */
export function checkAllowedCidrs(path: string, allowedCidrs: unknown): void {
  if (allowedCidrs === undefined) return;
  if (!Array.isArray(allowedCidrs)) {
    throw new ValidationError({
      path,
      what: 'allowedCidrs',
      value: allowedCidrs,
      allowed: 'a list of CIDR blocks',
      fix: 'write it as a list, e.g. ["0.0.0.0/0"]',
    });
  }
  for (const cidr of allowedCidrs) checkCidr(path, 'allowedCidrs entry', cidr as string);
  if (allowedCidrs.length === 0) {
    throw new ValidationError({
      path,
      what: 'allowedCidrs',
      value: [],
      allowed: 'a non-empty list of CIDR blocks, or leave it out (private networks only)',
      fix: 'list who may connect, e.g. ["0.0.0.0/0"] for the internet',
    });
  }
}

/** Throws for a routing rule (at `where`) of a layer-4 listener of `protocol`. */
export function refuseLayer4Rule(where: string, protocol: string): never {
  throw new ValidationError({
    path: where,
    what: 'routing rule on a layer-4 listener',
    value: protocol,
    allowed: 'routing rules on http or https (terminated) listeners',
    fix: 'make the listener speak HTTP, or route by port with separate listeners',
  });
}

/**
 * Throws unless an HSTS `max-age` is whole seconds from 1 to two years (the core model, and the
 * nginx and HAProxy renderers for callers of `webfarm/config`, check it with this one rule).
 */
export function checkHstsMaxAge(path: string, seconds: number): void {
  checkInteger(
    path,
    'tls.hstsMaxAgeSeconds',
    seconds,
    1,
    63072000,
    'give whole seconds (HSTS max-age is an integer), e.g. 31536000',
  );
}

/** How a listener's address family limits its `allowedCidrs` (see {@link checkAllowedCidrFamily}). */
export interface CidrFamilyRule {
  /** The IP version the listener is reached on. */
  readonly version: 4 | 6;
  /**
   * `every`: each entry must be of that version (the backend's API refuses others, Octavia);
   * `some`: at least one must be (the others are inert; a list of only the other family admits
   * nobody, nginx and HAProxy).
   */
  readonly entries: 'every' | 'some';
  /** Why, for the message: `the VIP 10.0.0.0/24 is IPv4; Octavia refuses other families`. */
  readonly reason: string;
  /** What to do instead. */
  readonly fix: string;
}

/**
 * The one check of `allowedCidrs` against the address family a listener is reached on, for
 * Octavia (every entry) and the nginx and HAProxy renderers (at least one entry). Entries that
 * are Terraform references are left to the plan; a list with one admits anything it might be.
 */
export function checkAllowedCidrFamily(
  path: string,
  allowedCidrs: readonly string[] | undefined,
  rule: CidrFamilyRule,
): void {
  if (!allowedCidrs?.length) return;
  const versions = allowedCidrs.map((c) => (isUnresolved(c) ? undefined : parseCidr(c)?.version));
  if (rule.entries === 'every') {
    const other = allowedCidrs.find((_, i) => versions[i] !== undefined && versions[i] !== rule.version);
    if (other === undefined) return;
    throw new ValidationError({
      path,
      what: 'allowedCidrs entry',
      value: other,
      allowed: `IPv${rule.version} CIDRs (${rule.reason})`,
      fix: rule.fix,
    });
  }
  if (versions.some((v) => v === undefined || v === rule.version)) return;
  throw new ValidationError({
    path,
    what: 'allowedCidrs',
    value: [...allowedCidrs],
    allowed: `at least one IPv${rule.version} CIDR block (${rule.reason})`,
    fix: rule.fix,
  });
}

/**
 * The IP version a self-hosted listener (nginx `listen`, HAProxy `bind`) is reached on: that of
 * its `bindAddress`, or IPv4 without one (`listen 80` and `bind :80` are IPv4 only).
 * `undefined` for a Terraform reference.
 */
export function listenVersion(bindAddress: string | undefined): 4 | 6 | undefined {
  if (bindAddress === undefined) return 4;
  if (isUnresolved(bindAddress)) return undefined;
  return parseIp(bindAddress.replace(/^\[|\]$/g, ''))?.version;
}

/**
 * Checks a self-hosted listener's `allowedCidrs` against the family it listens on: an IPv6-only
 * list on an IPv4 listener passes `nginx -t` and `haproxy -c` and then admits nobody (nginx
 * answers 403, HAProxy resets the connection; both seen on loopback).
 */
export function checkSelfHostedCidrFamily(
  path: string,
  daemon: string,
  bindAddress: string | undefined,
  allowedCidrs: readonly string[] | undefined,
): void {
  const version = listenVersion(bindAddress);
  if (version === undefined) return;
  const other = version === 4 ? 6 : 4;
  checkAllowedCidrFamily(path, allowedCidrs, {
    version,
    entries: 'some',
    reason: `${daemon} listens on IPv${version} only${bindAddress ? ` (bindAddress ${bindAddress})` : ''}: a list of IPv${other} blocks alone admits nobody`,
    fix: `list the IPv${version} networks of the clients, e.g. ${version === 4 ? '["0.0.0.0/0"] for the internet' : '["::/0"]'}`,
  });
}
