import { ValidationError } from './errors';

/**
 * The value of a renamed setting: the new name's when it is given, else the old (deprecated)
 * name's. Old names keep working; giving both with different values is a `ValidationError`
 * naming both (which of the two should win is not obvious, so neither does). Equal values are
 * accepted: a caller moving to the new name may pass both for a while.
 *
 * Pure: no cdktf, no constructs (lib/config may use it).
 */
export function renamed<T>(
  path: string,
  newName: string,
  newValue: T | undefined,
  oldName: string,
  oldValue: T | undefined,
): T | undefined {
  if (newValue !== undefined && oldValue !== undefined && !sameValue(newValue, oldValue)) {
    throw new ValidationError({
      path,
      what: `${oldName} and ${newName}`,
      value: { [oldName]: oldValue, [newName]: newValue },
      allowed: `one of the two (${oldName} is the deprecated name of ${newName})`,
      fix: `give ${newName} only`,
    });
  }
  return newValue !== undefined ? newValue : oldValue;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Lists of plain values (CIDR lists) compare by their items, in order.
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  return false;
}
