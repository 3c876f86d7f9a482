/**
 * What applying a change would do, resource by resource, judged from the two configurations and
 * the provider schema the way Terraform and an SDKv2 provider judge it: an `x_force_new`
 * attribute whose value changes (or becomes unknown because what it references is replaced, or
 * is read again from a data source with new arguments) replaces the resource; any other change
 * updates it in place. `lifecycle.ignore_changes` and `replace_triggered_by` are honoured.
 */
import { FoundReference, META_ARGUMENTS, OutputRecord, ResourceRecord, StackModel } from './review-model';
import { referencesIn, stringLeaves } from './review-refs';
import { attributeAt, AttributePath, canonical, compareConfigurations } from './review-compare';
import { isComputedAttribute, ReviewSchemas, TypeFacts } from './review-schema';
import { naturalCompare } from './review-text';

export { attributeAt, canonical, compareConfigurations, formatPath } from './review-compare';
export type { AttributePath } from './review-compare';
import { isRecord, StoredHostManifest } from './stacks';

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
   * on any change (random, null); `input`: it reads a variable or local whose value changes.
   */
  readonly why: 'changed' | 'unknown' | 'data' | 'trigger' | 'any-argument' | 'input';
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
   * Attributes whose configuration text is the same but whose value changes: they read a
   * variable, local or data source that changes, or a value known only after apply.
   */
  readonly inputs: ReplaceReason[];
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
    inputs: Map<string, ReplaceReason>;
  }
  const working = new Map<string, Working>();
  for (const [address, record] of now) {
    const old = before.get(address);
    if (!old) continue;
    const ignored = ignoredAttributes(record.body);
    const w: Working = { changed: new Map(), replace: new Map(), inputs: new Map() };
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

  // Inputs: variables (their defaults), locals and data sources. Each is "dirty" when what it
  // gives may differ from the base: a changed default or expression, a data source read again
  // with other arguments, or anything that reads a dirty input or an attribute that is unknown
  // until apply (of a resource created or replaced).
  const symbols = new Map<string, unknown>(known);
  for (const name of after?.variables.keys() ?? []) symbols.set(`var.${name}`, true);
  for (const name of after?.locals.keys() ?? []) symbols.set(`local.${name}`, true);
  const refCache = new Map<string, Array<{ leaf: AttributePath; ref: FoundReference }>>();
  const refsOf = (key: string, body: unknown): Array<{ leaf: AttributePath; ref: FoundReference }> => {
    let refs = refCache.get(key);
    if (!refs) {
      refs = stringLeaves(body).flatMap(([leaf, value]) =>
        referencesIn(value, symbols).map((ref) => ({ leaf, ref })),
      );
      refCache.set(key, refs);
    }
    return refs;
  };
  const dirty = new Set<string>();
  for (const name of new Set([...(base?.variables.keys() ?? []), ...(after?.variables.keys() ?? [])])) {
    const b = base?.variables.get(name);
    const a = after?.variables.get(name);
    if (!a || !b || canonical(a.default) !== canonical(b.default)) dirty.add(`var.${name}`);
  }
  for (const [name, value] of after?.locals ?? []) {
    if (!base?.locals.has(name) || canonical(base.locals.get(name)) !== canonical(value))
      dirty.add(`local.${name}`);
  }
  for (const record of known.values()) {
    if (record.mode !== 'data') continue;
    const old = base?.resources.get(record.address);
    if (!old || canonical(old.body) !== canonical(record.body)) dirty.add(record.address);
  }

  // Unknown after apply: references to what is replaced (repeat until nothing new is replaced).
  const isReplaced = (address: string): boolean => (working.get(address)?.replace.size ?? 0) > 0;
  const isUnknown = (ref: FoundReference): boolean => {
    const target = known.get(ref.address);
    if (!target || target.mode !== 'managed' || !ref.attribute) return false;
    if (!isReplaced(ref.address) && before.has(ref.address)) return false;
    return isComputedAttribute(facts(target), ref.attribute, target.body[ref.attribute] !== undefined);
  };
  /** Why a reference gives another value than in the base, if it does. */
  const reasonOf = (ref: FoundReference): ReplaceReason['why'] | undefined => {
    if (dirty.has(ref.address)) {
      const target = known.get(ref.address);
      if (!target) return 'input';
      if (!ref.attribute || target.body[ref.attribute] === undefined) return 'data';
      const old = base?.resources.get(ref.address)?.body[ref.attribute];
      return canonical(old) !== canonical(target.body[ref.attribute]) ? 'data' : undefined;
    }
    return isUnknown(ref) ? 'unknown' : undefined;
  };
  for (let progress = true; progress;) {
    progress = false;
    // Locals and data sources that read dirty inputs or unknown values.
    for (const [name, value] of after?.locals ?? []) {
      const key = `local.${name}`;
      if (!dirty.has(key) && refsOf(key, value).some(({ ref }) => reasonOf(ref))) {
        dirty.add(key);
        progress = true;
      }
    }
    for (const record of known.values()) {
      if (record.mode !== 'data' || dirty.has(record.address)) continue;
      if (refsOf(record.address, record.body).some(({ ref }) => reasonOf(ref))) {
        dirty.add(record.address);
        progress = true;
      }
    }
    for (const [address, w] of working) {
      const record = now.get(address);
      if (!record || isReplaced(address)) continue;
      const ignored = ignoredAttributes(record.body);
      if (ignored === 'all') continue;
      const f = facts(record);
      for (const { leaf, ref } of refsOf(address, record.body)) {
        const top = leaf[0];
        if (typeof top !== 'string' || META_ARGUMENTS.has(top) || ignored.has(top)) continue;
        const reason = reasonOf(ref);
        if (!reason) continue;
        const attribute = attributeAt(f, leaf);
        const key = pathKey(attribute.path);
        if (!w.changed.has(key)) progress = true;
        w.changed.set(key, attribute.path);
        if (!w.inputs.has(key)) w.inputs.set(key, { path: attribute.path, why: reason, via: ref.address });
        if (attribute.forceNew && !w.replace.has(key)) {
          w.replace.set(key, { path: attribute.path, why: reason, via: ref.address });
          progress = true;
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
  for (const address of [...new Set([...before.keys(), ...now.keys()])].sort(naturalCompare)) {
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
      inputs: w ? [...w.inputs.values()] : [],
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
    const reads = a ? refsOf(`output.${name}`, a.value).some(({ ref }) => reasonOf(ref)) : false;
    const action = !b
      ? 'create'
      : !a
        ? 'delete'
        : canonical(b) !== canonical(a) || reads
          ? 'update'
          : undefined;
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
  // Files of a resource whose carrying attribute Terraform ignores (lifecycle.ignore_changes)
  // never reach the host: Terraform leaves the resource alone.
  const ignoredBy = (address: string, delivery: string): boolean => {
    const ignored = ignoredAttributes(after?.resources.get(address)?.body);
    return ignored === 'all' || ignored.has(delivery === 'cloud-init' ? 'user_data' : 'triggers_replace');
  };
  const b = collect(base);
  const a = collect(after);
  const out: FileChange[] = [];
  for (const key of [...new Set([...b.keys(), ...a.keys()])].sort(naturalCompare)) {
    const old = b.get(key);
    const now = a.get(key);
    const shown = now ?? old;
    if (!shown || old?.content === now?.content) continue;
    if (old && now && ignoredBy(now.resource, now.delivery)) continue;
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
