/**
 * What applying a change would do, resource by resource, judged from the two configurations and
 * the provider schema the way Terraform and an SDKv2 provider judge it: an `x_force_new`
 * attribute whose value changes (or becomes unknown because what it references is replaced, or
 * is read again from a data source with new arguments) replaces the resource; any other change
 * updates it in place. `lifecycle.ignore_changes` and `replace_triggered_by` are honoured.
 */
import { FoundReference, META_ARGUMENTS, OutputRecord, ResourceRecord, StackModel } from './review-model';
import { referencesIn, stringLeaves } from './review-refs';
import { isComputedAttribute, ReviewSchemas, SchemaBlock, SchemaBlockType, TypeFacts } from './review-schema';
import { isRecord, StoredHostManifest } from './stacks';

/** A path to an attribute: names and list indexes (`["network", 0, "port"]`). */
export type AttributePath = ReadonlyArray<string | number>;

/** What Terraform would do with one resource. */
export type Action = 'create' | 'update' | 'replace' | 'delete';

/** Why a resource is replaced. */
export interface ReplaceReason {
  /** The attribute (as Terraform's `replace_paths` names it). */
  readonly path: AttributePath;
  /**
   * `changed`: its value changed; `unknown`: it reads an attribute of a resource that is
   * replaced, so it is known only after apply; `data`: it reads a data source whose arguments
   * changed; `trigger`: `lifecycle.replace_triggered_by`; `any-argument`: the provider replaces
   * on any change (random, null).
   */
  readonly why: 'changed' | 'unknown' | 'data' | 'trigger' | 'any-argument';
  /** The resource or data source behind an `unknown` / `data` / `trigger` reason. */
  readonly via?: string;
}

/** One file of a host that changes. */
export interface FileChange {
  /** Host name. */
  readonly host: string;
  /** Path on the host. */
  readonly path: string;
  /** `cloud-init` or `ssh`. */
  readonly delivery: string;
  /** Added, removed or changed. */
  readonly action: 'create' | 'update' | 'delete';
  /** Content before (template text), when it existed. */
  readonly before?: string;
  /** Content after (template text), when it exists. */
  readonly after?: string;
  /** The resource that delivers it. */
  readonly resource: string;
}

/** One resource that changes. */
export interface ResourceChange {
  /** Terraform address. */
  readonly address: string;
  /** Resource type. */
  readonly type: string;
  /** Construct path. */
  readonly path: string;
  /** What happens. */
  readonly action: Action;
  /** Attributes that change (leaf paths; unknown-after-apply ones included). */
  readonly changed: AttributePath[];
  /** Why it is replaced (action `replace`). */
  readonly replace: ReplaceReason[];
  /**
   * In-place changes the provider carries out disruptively: `image_name` (the server is rebuilt:
   * its root disk is re-imaged), `flavor_name` (resized, with a reboot).
   */
  readonly disruptive: Array<{ readonly attribute: string; readonly effect: 'rebuild' | 'resize' }>;
  /** A configuration push (`terraform_data` carrying a host manifest): the host it writes to. */
  readonly configPush?: { readonly host: string; readonly files: string[] };
  /** `lifecycle.prevent_destroy` on the side that is destroyed. */
  readonly preventDestroy: boolean;
  /** The configuration before, if any. */
  readonly before?: ResourceRecord;
  /** The configuration after, if any. */
  readonly after?: ResourceRecord;
}

/** One output that changes. */
export interface OutputChange {
  /** Output name. */
  readonly name: string;
  /** What happens. */
  readonly action: 'create' | 'update' | 'delete';
  /** Declared sensitive on either side. */
  readonly sensitive: boolean;
  /** Before. */
  readonly before?: OutputRecord;
  /** After. */
  readonly after?: OutputRecord;
}

/** The change of one stack. */
export interface StackDiff {
  /** Stack name. */
  readonly stack: string;
  /** Managed resources that change, by address. */
  readonly changes: ResourceChange[];
  /** Outputs that change. */
  readonly outputs: OutputChange[];
  /** Host files that change. */
  readonly files: FileChange[];
  /** Managed resources after the change. */
  readonly resources: number;
}

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

/** The attributes `lifecycle.ignore_changes` names (`all` → every one). */
function ignoredAttributes(body: Readonly<Record<string, unknown>> | undefined): Set<string> | 'all' {
  const lifecycle = body?.lifecycle;
  const ignore = isRecord(lifecycle) ? lifecycle.ignore_changes : undefined;
  if (ignore === 'all') return 'all';
  return new Set(
    (Array.isArray(ignore) ? ignore : [])
      .filter((v): v is string => typeof v === 'string')
      .map((v) => v.split(/[.[]/)[0]),
  );
}

function preventDestroy(body: Readonly<Record<string, unknown>> | undefined): boolean {
  const lifecycle = body?.lifecycle;
  return isRecord(lifecycle) && lifecycle.prevent_destroy === true;
}

/** In-place changes that the OpenStack provider carries out disruptively (its documentation). */
const DISRUPTIVE: Record<string, Record<string, 'rebuild' | 'resize'>> = {
  openstack_compute_instance_v2: {
    image_name: 'rebuild',
    image_id: 'rebuild',
    flavor_name: 'resize',
    flavor_id: 'resize',
  },
};

function managed(model: StackModel | undefined): Map<string, ResourceRecord> {
  return new Map(
    [...(model?.resources.values() ?? [])].filter((r) => r.mode === 'managed').map((r) => [r.address, r]),
  );
}

function pathKey(path: AttributePath): string {
  return path.map(String).join('\u0000');
}

/**
 * Compares the base and the new configuration of one stack (either may be missing: a stack added
 * or removed).
 */
export function diffStack(
  base: StackModel | undefined,
  after: StackModel | undefined,
  schemas: ReviewSchemas,
): StackDiff {
  const stack = after?.stack ?? base?.stack ?? '';
  const before = managed(base);
  const now = managed(after);
  const known = after?.resources ?? new Map<string, ResourceRecord>();
  const facts = (r: ResourceRecord): TypeFacts =>
    r.mode === 'data' ? schemas.dataSource(r.type) : schemas.resource(r.type);

  interface Working {
    changed: Map<string, AttributePath>;
    replace: Map<string, ReplaceReason>;
  }
  const working = new Map<string, Working>();
  for (const [address, record] of now) {
    const old = before.get(address);
    if (!old) continue;
    const ignored = ignoredAttributes(record.body);
    const w: Working = { changed: new Map(), replace: new Map() };
    if (ignored !== 'all') {
      const f = facts(record);
      const result = compareConfigurations(f, old.body, record.body, ignored);
      for (const p of result.changed) w.changed.set(pathKey(p), p);
      for (const p of result.forceNew) {
        w.replace.set(pathKey(p), { path: p, why: f.replaceOnAnyChange ? 'any-argument' : 'changed' });
      }
    }
    working.set(address, w);
  }

  // Data sources read again with other arguments give other values.
  const changedData = new Set<string>();
  for (const record of known.values()) {
    if (record.mode !== 'data') continue;
    const old = base?.resources.get(record.address);
    if (!old || canonical(old.body) !== canonical(record.body)) changedData.add(record.address);
  }

  // Unknown after apply: references to what is replaced (repeat until nothing new is replaced).
  const isReplaced = (address: string): boolean => (working.get(address)?.replace.size ?? 0) > 0;
  for (let progress = true; progress;) {
    progress = false;
    for (const [address, w] of working) {
      const record = now.get(address);
      if (!record || isReplaced(address)) continue;
      const ignored = ignoredAttributes(record.body);
      if (ignored === 'all') continue;
      const f = facts(record);
      for (const [leaf, value] of stringLeaves(record.body)) {
        const top = leaf[0];
        if (typeof top !== 'string' || META_ARGUMENTS.has(top) || ignored.has(top)) continue;
        for (const ref of referencesIn(value, known)) {
          const reason = unknownReason(ref, isReplaced, changedData, known, facts);
          if (!reason) continue;
          const attribute = attributeAt(f, leaf);
          w.changed.set(pathKey(attribute.path), attribute.path);
          if (attribute.forceNew && !w.replace.has(pathKey(attribute.path))) {
            w.replace.set(pathKey(attribute.path), { path: attribute.path, why: reason, via: ref.address });
            progress = true;
          }
        }
      }
      const lifecycle = record.body.lifecycle;
      const triggers =
        isRecord(lifecycle) && Array.isArray(lifecycle.replace_triggered_by)
          ? lifecycle.replace_triggered_by
          : [];
      for (const trigger of triggers) {
        if (typeof trigger !== 'string') continue;
        const target = /^(?:\$\{)?([A-Za-z_][\w-]*\.[A-Za-z_][\w-]*)/.exec(trigger)?.[1];
        const t = target ? working.get(target) : undefined;
        if (target && t && (t.replace.size > 0 || t.changed.size > 0) && !w.replace.has('lifecycle')) {
          w.replace.set('lifecycle', {
            path: ['lifecycle', 'replace_triggered_by'],
            why: 'trigger',
            via: target,
          });
          progress = true;
        }
      }
    }
  }

  const manifestOf = (model: StackModel | undefined, address: string): StoredHostManifest | undefined =>
    model?.manifests.find((m) => m.resource === address && m.delivery === 'ssh');
  const changes: ResourceChange[] = [];
  for (const address of [...new Set([...before.keys(), ...now.keys()])].sort()) {
    const old = before.get(address);
    const record = now.get(address);
    const shown = record ?? old;
    if (!shown) continue;
    const w = working.get(address);
    let action: Action;
    if (!old) action = 'create';
    else if (!record) action = 'delete';
    else if (w && w.replace.size > 0) action = 'replace';
    else if (w && w.changed.size > 0) action = 'update';
    else continue;
    const changed = w ? [...w.changed.values()] : [];
    const manifest = manifestOf(after, address) ?? manifestOf(base, address);
    const disruptive =
      action === 'update'
        ? changed
            .filter((p) => p.length === 1 && DISRUPTIVE[shown.type]?.[String(p[0])])
            .map((p) => ({ attribute: String(p[0]), effect: DISRUPTIVE[shown.type][String(p[0])] }))
        : [];
    changes.push({
      address,
      type: shown.type,
      path: shown.path,
      action,
      changed,
      replace: w ? [...w.replace.values()] : [],
      disruptive,
      ...(shown.type === 'terraform_data' && manifest
        ? { configPush: { host: manifest.host, files: manifest.files.map((f) => f.path) } }
        : {}),
      preventDestroy: action === 'delete' ? preventDestroy(old?.body) : preventDestroy(record?.body),
      ...(old ? { before: old } : {}),
      ...(record ? { after: record } : {}),
    });
  }

  const outputs: OutputChange[] = [];
  const names = [...new Set([...(base?.outputs.keys() ?? []), ...(after?.outputs.keys() ?? [])])].sort();
  for (const name of names) {
    const b = base?.outputs.get(name);
    const a = after?.outputs.get(name);
    const action = !b ? 'create' : !a ? 'delete' : canonical(b) !== canonical(a) ? 'update' : undefined;
    if (!action) continue;
    outputs.push({
      name,
      action,
      sensitive: b?.sensitive === true || a?.sensitive === true,
      ...(b ? { before: b } : {}),
      ...(a ? { after: a } : {}),
    });
  }

  return { stack, changes, outputs, files: fileChanges(base, after), resources: now.size };
}

function unknownReason(
  ref: FoundReference,
  isReplaced: (address: string) => boolean,
  changedData: ReadonlySet<string>,
  known: ReadonlyMap<string, ResourceRecord>,
  facts: (r: ResourceRecord) => TypeFacts,
): 'unknown' | 'data' | undefined {
  const target = known.get(ref.address);
  if (!target || !ref.attribute) return undefined;
  const computed = isComputedAttribute(
    facts(target),
    ref.attribute,
    target.body[ref.attribute] !== undefined,
  );
  if (!computed) return undefined;
  if (target.mode === 'data') return changedData.has(ref.address) ? 'data' : undefined;
  return isReplaced(ref.address) ? 'unknown' : undefined;
}

/** Host files (from the host manifests) that differ, by host and path. */
function fileChanges(base: StackModel | undefined, after: StackModel | undefined): FileChange[] {
  type Entry = { content: string; delivery: string; resource: string };
  const collect = (model: StackModel | undefined): Map<string, Entry & { host: string; path: string }> => {
    const out = new Map<string, Entry & { host: string; path: string }>();
    for (const m of model?.manifests ?? []) {
      for (const f of m.files) {
        // The user data file is the whole cloud-init document: its parts are listed on their own.
        if (m.delivery === 'cloud-init' && f.path === '/var/lib/cloud/instance/user-data.txt') continue;
        const key = `${m.host}\u0000${f.path}\u0000${m.delivery}`;
        out.set(key, {
          host: m.host,
          path: f.path,
          content: f.content,
          delivery: m.delivery,
          resource: m.resource,
        });
      }
    }
    return out;
  };
  const b = collect(base);
  const a = collect(after);
  const out: FileChange[] = [];
  for (const key of [...new Set([...b.keys(), ...a.keys()])].sort()) {
    const old = b.get(key);
    const now = a.get(key);
    const shown = now ?? old;
    if (!shown || old?.content === now?.content) continue;
    out.push({
      host: shown.host,
      path: shown.path,
      delivery: shown.delivery,
      action: !old ? 'create' : !now ? 'delete' : 'update',
      ...(old ? { before: old.content } : {}),
      ...(now ? { after: now.content } : {}),
      resource: shown.resource,
    });
  }
  return out;
}
