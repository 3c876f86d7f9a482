import { isIP } from 'net';
import { RuntimeInputError } from './errors';

/** A node split into its parts: `host` without brackets, and the port. */
export interface ParsedNode {
  /** IPv4 address, IPv6 address (no brackets) or DNS name, lowercased. */
  readonly host: string;
  /** The port, 1–65535. */
  readonly port: number;
  /** The canonical `host:port` (`[v6]:port` for IPv6): what the client stores and compares. */
  readonly node: string;
}

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const POOL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * Parses `host:port` (`[2001:db8::1]:8080` for IPv6) into its canonical form: host lowercased,
 * IPv6 compressed (`[2001:DB8:0::1]` → `[2001:db8::1]`), so the same node is never stored twice.
 * @param where the balancer, for the error message
 * @throws RuntimeInputError for anything else (a missing port, an unbracketed IPv6 address,
 *   a port out of range, spaces or separators that would reach a configuration file)
 */
export function parseNode(where: string, value: unknown): ParsedNode {
  const bad = (allowed: string, fix: string): never => {
    throw new RuntimeInputError({ path: where, what: 'node', value, allowed, fix });
  };
  const allowed = '"host:port" (IPv4 address or DNS name) or "[IPv6]:port", port 1-65535';
  if (typeof value !== 'string') return bad(allowed, 'give each node as a string such as "10.0.0.5:8080"');
  const match = /^(\[([^\]]*)\]|([^:[\]]*)):([0-9]{1,5})$/.exec(value);
  if (!match) {
    return bad(
      allowed,
      value.split(':').length > 2
        ? 'write an IPv6 address in brackets: "[2001:db8::1]:8080"'
        : 'give the host and the port, e.g. "10.0.0.5:8080"',
    );
  }
  const port = Number(match[4]);
  if (port < 1 || port > 65535) bad(allowed, 'use a port from 1 to 65535');
  if (match[2] !== undefined) {
    if (isIP(match[2]) !== 6) bad(allowed, 'put only an IPv6 address inside the brackets');
    const host = new URL(`http://[${match[2]}]/`).hostname.slice(1, -1);
    return { host, port, node: `[${host}]:${port}` };
  }
  const host = match[3].toLowerCase();
  if (isIP(host) !== 4 && (!DNS_NAME.test(host) || /^[0-9.]+$/.test(host))) {
    bad(allowed, 'give an IPv4 address (four decimal numbers) or a DNS name of letters, digits, "-" and "."');
  }
  return { host, port, node: `${host}:${port}` };
}

/**
 * Parses a list of nodes (all of them first: one bad node changes nothing) and removes repeats.
 * @throws RuntimeInputError on the first bad node, or when `nodes` is not a list
 */
export function parseNodes(where: string, nodes: unknown): ParsedNode[] {
  if (!Array.isArray(nodes)) {
    throw new RuntimeInputError({
      path: where,
      what: 'nodes',
      value: nodes,
      allowed: 'a list of "host:port" strings',
      fix: 'pass the nodes as an array, e.g. ["10.0.0.5:8080"]',
    });
  }
  const seen = new Map<string, ParsedNode>();
  for (const n of nodes) {
    const parsed = parseNode(where, n);
    seen.set(parsed.node, parsed);
  }
  return [...seen.values()];
}

/**
 * Checks a pool name: it becomes a file name, an nginx `upstream` and an HAProxy `backend`.
 * @throws RuntimeInputError for anything but letters, digits, `_`, `.`, `-` (starting with a
 *   letter or digit, at most 63 characters)
 */
export function checkPoolName(where: string, pool: unknown): string {
  if (typeof pool !== 'string' || !POOL_NAME.test(pool) || pool.includes('..')) {
    throw new RuntimeInputError({
      path: where,
      what: 'pool name',
      value: pool,
      allowed: 'letters, digits, "_", "." and "-", starting with a letter or digit, at most 63 characters',
      fix: 'use the pool name as declared in the stack (e.g. "web"), without "/" or spaces',
    });
  }
  return pool;
}

/** The HAProxy server name of a node: `10.0.0.5_8080`, `2001:db8::1_8080`. */
export function serverNameOf(node: ParsedNode): string {
  return `${node.host}_${node.port}`;
}
