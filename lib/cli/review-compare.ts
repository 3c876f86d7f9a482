/**
 * Attribute-level comparison of two configurations of one resource type, the way an SDKv2
 * provider judges them: which attributes change (defaults and computed values considered) and
 * which of those are ForceNew (nested list, single and set blocks included).
 */
import { META_ARGUMENTS } from './review-model';
import { SchemaBlock, SchemaBlockType, TypeFacts } from './review-schema';
import { isRecord } from './stacks';

/** A path to an attribute: names and list indexes (`["network", 0, "port"]`). */
export type AttributePath = ReadonlyArray<string | number>;

/** Canonical JSON (sorted keys), for equality. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Renders an attribute path as Terraform prints it in `replace_paths`-style dotted form. */
export function formatPath(path: AttributePath): string {
  return path.map(String).join('.');
}

function list(value: unknown): Array<Record<string, unknown>> {
  const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return items.filter(isRecord);
}

interface Comparison {
  readonly changed: AttributePath[];
  readonly forceNew: AttributePath[];
}

/** Attribute paths that change between two configurations of one type, and the ForceNew ones. */
export function compareConfigurations(
  facts: TypeFacts,
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
  ignored: ReadonlySet<string> = new Set(),
): Comparison {
  const out = { changed: [] as AttributePath[], forceNew: [] as AttributePath[] };
  compareBlock(facts.block, before, after, [], out, facts.replaceOnAnyChange, ignored);
  return out;
}

function compareBlock(
  block: SchemaBlock | undefined,
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
  at: AttributePath,
  out: { changed: AttributePath[]; forceNew: AttributePath[] },
  anyChangeReplaces: boolean,
  ignored: ReadonlySet<string>,
): void {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const key of keys) {
    if (at.length === 0 && (META_ARGUMENTS.has(key) || ignored.has(key))) continue;
    const nested = block?.block_types?.[key];
    if (nested) {
      compareNested(nested, before[key], after[key], [...at, key], out);
      continue;
    }
    const attribute = block?.attributes?.[key];
    if (after[key] === undefined && attribute?.computed) continue;
    const b = before[key] ?? attribute?.x_default;
    const a = after[key] ?? attribute?.x_default;
    if (canonical(b) === canonical(a)) continue;
    out.changed.push([...at, key]);
    if (attribute?.x_force_new || anyChangeReplaces) out.forceNew.push([...at, key]);
  }
}

function compareNested(
  type: SchemaBlockType,
  beforeValue: unknown,
  afterValue: unknown,
  at: AttributePath,
  out: { changed: AttributePath[]; forceNew: AttributePath[] },
): void {
  const before = list(beforeValue);
  const after = list(afterValue);
  if (type.nesting_mode === 'set') {
    const remaining = [...after.map(canonical)];
    const unmatchedBefore: Array<Record<string, unknown>> = [];
    for (const b of before) {
      const i = remaining.indexOf(canonical(b));
      if (i >= 0) remaining.splice(i, 1);
      else unmatchedBefore.push(b);
    }
    const unmatchedAfter = after.filter((a) => remaining.includes(canonical(a)));
    if (unmatchedBefore.length === 0 && unmatchedAfter.length === 0) return;
    out.changed.push(at);
    const project = (e: Record<string, unknown>): string => canonical(forceNewProjection(type.block, e));
    const sortedB = unmatchedBefore
      .map(project)
      .filter((p) => p !== '{}')
      .sort()
      .join('\n');
    const sortedA = unmatchedAfter
      .map(project)
      .filter((p) => p !== '{}')
      .sort()
      .join('\n');
    if ((type.x_force_new && before.length !== after.length) || sortedB !== sortedA) out.forceNew.push(at);
    return;
  }
  if (type.nesting_mode === 'single' || type.nesting_mode === 'group') {
    compareBlock(type.block, before[0] ?? {}, after[0] ?? {}, at, out, false, new Set());
    return;
  }
  if (before.length !== after.length) {
    out.changed.push(at);
    if (type.x_force_new) out.forceNew.push(at);
  }
  for (let i = 0; i < Math.max(before.length, after.length); i += 1) {
    compareBlock(type.block, before[i] ?? {}, after[i] ?? {}, [...at, i], out, false, new Set());
  }
}

function forceNewProjection(block: SchemaBlock, element: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, attribute] of Object.entries(block.attributes ?? {})) {
    if (attribute.x_force_new && element[name] !== undefined) out[name] = element[name];
  }
  for (const [name, nested] of Object.entries(block.block_types ?? {})) {
    const items = list(element[name]).map((e) => forceNewProjection(nested.block, e));
    if (items.length) out[name] = nested.nesting_mode === 'set' ? items.map(canonical).sort() : items;
  }
  return out;
}

/**
 * The attribute a leaf path belongs to (a list attribute's element belongs to the list; a set
 * block's content is reported at the set) and whether it is ForceNew.
 */
export function attributeAt(
  facts: TypeFacts,
  path: AttributePath,
): { path: AttributePath; forceNew: boolean } {
  let block = facts.block;
  const out: Array<string | number> = [];
  for (let i = 0; i < path.length; i += 1) {
    const step = path[i];
    if (typeof step === 'number') {
      out.push(step);
      continue;
    }
    out.push(step);
    const attribute = block?.attributes?.[step];
    if (attribute || !block) {
      return { path: out, forceNew: facts.replaceOnAnyChange || attribute?.x_force_new === true };
    }
    const nested = block.block_types?.[step];
    if (!nested) return { path: out, forceNew: facts.replaceOnAnyChange };
    if (nested.nesting_mode === 'set') {
      const rest = path.slice(i + 1).filter((s): s is string => typeof s === 'string');
      const inner = rest.length ? nested.block.attributes?.[rest[0]] : undefined;
      return { path: out, forceNew: inner?.x_force_new === true };
    }
    if (nested.nesting_mode === 'single' && typeof path[i + 1] === 'number') i += 1;
    block = nested.block;
  }
  return { path: out, forceNew: facts.replaceOnAnyChange };
}
