/**
 * The node names of a group of app nodes (OpenStack instances or Docker containers): the names
 * given, or `<name>-1` … `<name>-N` for a count, checked the same way on every backend.
 */
import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';
import { checkInteger, checkName } from '../core/validate';

/** How many nodes a group may have, and what one is called in messages. */
export interface NodeNameLimits {
  /** At most this many nodes. */
  readonly max: number;
  /** `node` or `container`. */
  readonly unit: string;
  /** The advice when the count is out of range. */
  readonly countFix: string;
}

/**
 * The group's node names: `nodeNames`, or `count` (default 2) names `<name>-1…`; never both.
 * Names are unique, DNS-label-shaped and at most 63 characters with the group name's prefix.
 */
export function groupNodeNames(
  path: string,
  name: string,
  props: { readonly count?: number; readonly nodeNames?: string[] },
  limits: NodeNameLimits,
): string[] {
  if (props.count !== undefined && props.nodeNames !== undefined) {
    throw new ValidationError({
      path,
      what: 'count and nodeNames',
      value: { count: props.count, nodeNames: props.nodeNames },
      allowed: 'one of them',
      fix: 'give count for nodes named <name>-1…<name>-N, or nodeNames for names of your own',
    });
  }
  if (props.nodeNames !== undefined) return checkedNames(path, props.nodeNames, limits);
  const count = props.count ?? 2;
  checkInteger(path, 'count', count, 1, limits.max, limits.countFix);
  if (isUnresolved(count)) {
    throw new ValidationError({
      path,
      what: 'count',
      value: 'a Terraform reference',
      allowed: `a number known at synth (each ${limits.unit} is its own resource, keyed by name)`,
      fix: 'give a literal count',
    });
  }
  const longest = `${name}-${count}`;
  if (longest.length > 63) {
    throw new ValidationError({
      path,
      what: 'name',
      value: name,
      allowed: `at most ${63 - (longest.length - name.length)} characters, so that node names up to "<name>-${count}" fit in 63`,
      fix: 'give the group a shorter name',
    });
  }
  return Array.from({ length: count }, (_, i) => `${name}-${i + 1}`);
}

function checkedNames(path: string, names: unknown, limits: NodeNameLimits): string[] {
  if (!Array.isArray(names) || names.length === 0) {
    throw new ValidationError({
      path,
      what: 'nodeNames',
      value: names,
      allowed: 'at least one node name',
      fix: 'list the nodes, e.g. ["web-a", "web-b"], or give count',
    });
  }
  checkInteger(
    path,
    'number of nodeNames',
    names.length,
    1,
    limits.max,
    `list at most ${limits.max} nodes per group`,
  );
  const seen = new Set<string>();
  for (const n of names as string[]) {
    checkName(path, 'node name', n);
    if (seen.has(n)) {
      throw new ValidationError({
        path,
        what: 'node name',
        value: n,
        allowed: 'each name once',
        fix: 'remove the duplicate',
      });
    }
    seen.add(n);
  }
  return [...(names as string[])];
}
