/**
 * What `webfarm review` knows about resource types: the vendored provider schema
 * (`schemas/openstack.json`, the shape of `terraform providers schema -json` with the SDKv2 facts
 * `x_force_new` / `x_default`) and a few built-in and framework types the schema does not cover
 * (`terraform_data`, the random and null providers). Pure JSON: no cdktf, no generated bindings.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CliError } from './errors';
import { isRecord } from './stacks';

/** One attribute of a schema block. */
export interface SchemaAttribute {
  /** Terraform type (`"string"`, `["list","string"]`, …). */
  readonly type?: unknown;
  /** Set by the configuration, optionally. */
  readonly optional?: boolean;
  /** Must be set. */
  readonly required?: boolean;
  /** Filled in by the provider when the configuration leaves it unset. */
  readonly computed?: boolean;
  /** Terraform hides the value in plans. */
  readonly sensitive?: boolean;
  /** SDKv2 `ForceNew`: a change replaces the resource. */
  readonly x_force_new?: boolean;
  /** SDKv2 `Default`: the value an unset attribute has. */
  readonly x_default?: unknown;
}

/** A nested block type of a schema block. */
export interface SchemaBlockType {
  /** `single`, `list`, `set`, `map` or `group`. */
  readonly nesting_mode?: string;
  /** The nested block. */
  readonly block: SchemaBlock;
  /** SDKv2 `ForceNew` on the block: a change in its element count replaces the resource. */
  readonly x_force_new?: boolean;
}

/** A schema block: attributes and nested blocks. */
export interface SchemaBlock {
  /** Attributes by name. */
  readonly attributes?: Readonly<Record<string, SchemaAttribute>>;
  /** Nested blocks by name. */
  readonly block_types?: Readonly<Record<string, SchemaBlockType>>;
}

/** How a resource type's changes are judged. */
export interface TypeFacts {
  /** The type's schema block, when known. */
  readonly block?: SchemaBlock;
  /**
   * Any argument change replaces the resource (framework providers without per-attribute
   * `RequiresReplace` facts: random, null).
   */
  readonly replaceOnAnyChange: boolean;
  /** Where the facts come from, for messages. */
  readonly source: 'schema' | 'built-in' | 'none';
}

/** The provider schemas `webfarm review` reads. */
export interface ReviewSchemas {
  /** Facts for a managed resource type. */
  readonly resource: (type: string) => TypeFacts;
  /** Facts for a data source type (without `data.`). */
  readonly dataSource: (type: string) => TypeFacts;
  /** The schema files read. */
  readonly files: readonly string[];
}

/** The vendored schema files under `schemas/`, relative to the package root. */
export const SCHEMA_FILES: readonly string[] = ['schemas/openstack.json'];

/**
 * `terraform_data`: `triggers_replace` replaces it, `input` changes in place (Terraform's own
 * built-in resource; it has no provider schema).
 */
const TERRAFORM_DATA: SchemaBlock = {
  attributes: {
    id: { type: 'string', computed: true },
    input: { type: 'dynamic', optional: true },
    output: { type: 'dynamic', computed: true },
    triggers_replace: { type: 'dynamic', optional: true, x_force_new: true },
  },
};

/** Providers built on the plugin framework whose every argument is `RequiresReplace`. */
const REPLACE_ON_ANY_CHANGE = /^(random|null|time|tls)_/;

/**
 * The package root: the nearest folder above `start` with a `package.json` named `webfarm` and
 * a `schemas/` folder (works from `lib/cli` in a checkout and from `dist/lib/cli` when installed).
 * @throws CliError (exit 1) when there is none
 */
export function findPackageRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && fs.existsSync(path.join(dir, 'schemas'))) {
      try {
        const json: unknown = JSON.parse(fs.readFileSync(manifest, 'utf8'));
        if (isRecord(json) && json.name === 'webfarm') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new CliError(1, `cannot find the webfarm package (with schemas/) above ${start}`);
    }
    dir = parent;
  }
}

const cache = new Map<string, ReviewSchemas>();

/**
 * Reads the vendored provider schemas (once per root and process).
 * @param root the package root
 * @throws CliError (exit 1) when a schema file is missing or malformed
 */
export function loadSchemas(root: string = findPackageRoot()): ReviewSchemas {
  const cached = cache.get(root);
  if (cached) return cached;
  const resources = new Map<string, SchemaBlock>();
  const dataSources = new Map<string, SchemaBlock>();
  const files = SCHEMA_FILES.map((f) => path.join(root, f));
  for (const file of files) {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      throw new CliError(1, `${file}: cannot read the provider schema (${(error as Error).message})`);
    }
    const providers = isRecord(json) ? json.provider_schemas : undefined;
    if (!isRecord(providers)) throw new CliError(1, `${file}: no provider_schemas`);
    for (const provider of Object.values(providers)) {
      if (!isRecord(provider)) continue;
      for (const [key, target] of [
        ['resource_schemas', resources],
        ['data_source_schemas', dataSources],
      ] as const) {
        const schemas = provider[key];
        if (!isRecord(schemas)) continue;
        for (const [type, schema] of Object.entries(schemas)) {
          if (isRecord(schema) && isRecord(schema.block)) target.set(type, schema.block as SchemaBlock);
        }
      }
    }
  }
  const facts = (map: Map<string, SchemaBlock>, type: string): TypeFacts => {
    const block = map.get(type);
    if (block) return { block, replaceOnAnyChange: false, source: 'schema' };
    if (type === 'terraform_data')
      return { block: TERRAFORM_DATA, replaceOnAnyChange: false, source: 'built-in' };
    if (REPLACE_ON_ANY_CHANGE.test(type)) return { replaceOnAnyChange: true, source: 'built-in' };
    return { replaceOnAnyChange: false, source: 'none' };
  };
  const result: ReviewSchemas = {
    resource: (type) => facts(resources, type),
    dataSource: (type) => facts(dataSources, type),
    files,
  };
  cache.set(root, result);
  return result;
}

/**
 * True when `attribute` of a resource is filled in by the provider, so that a reference to it
 * is unknown until apply when the resource is created or replaced. Unknown types: anything the
 * configuration does not set.
 */
export function isComputedAttribute(facts: TypeFacts, attribute: string, configured: boolean): boolean {
  if (attribute === 'id') return true;
  const schema = facts.block?.attributes?.[attribute];
  if (schema) return schema.computed === true && !configured;
  return !configured;
}
