import * as fs from 'fs';
import * as path from 'path';
// Type-only: erased at compile time, so the CLI never loads lib/core (and through it cdktf).
import type { HOST_MANIFEST_KEY, HostFile, HostManifest } from '../core/host-files';
import { CliError } from './errors';

/** The key under a resource's `"//"` block that holds a host manifest (checked against lib/core). */
export const MANIFEST_KEY: typeof HOST_MANIFEST_KEY = 'webfarm';

/**
 * One file of a host manifest as it is stored in `cdk.tf.json`: a `HostFile` with the defaults
 * filled in (`owner`, `mode`), its path and content Terraform-escaped (references as `${…}`,
 * literal `${` as `$${`).
 */
export type StoredHostFile = Required<Pick<HostFile, 'path' | 'content' | 'owner' | 'mode'>> &
  Pick<HostFile, 'check' | 'createOnly'>;

/** One host manifest read back from a synthesized stack, with the resource that carries it. */
export interface StoredHostManifest {
  /** Host name. */
  readonly host: string;
  /** What the host is. */
  readonly role: string;
  /** How the files travel. */
  readonly delivery: HostManifest['delivery'];
  /** The files. */
  readonly files: StoredHostFile[];
  /** Terraform address of the resource that carries the manifest, e.g. `terraform_data.LbConfig`. */
  readonly resource: string;
}

/** The host manifests of one synthesized stack. */
export interface StackManifests {
  /** Stack name (its folder under `stacks/`). */
  readonly stack: string;
  /** The `cdk.tf.json` file. */
  readonly file: string;
  /** Every manifest, in the stack's resource order. */
  readonly manifests: StoredHostManifest[];
  /**
   * An attribute the stack sets on a resource or data source, e.g. a `random_password`'s
   * `length`; `type` is `data.<type>` for data sources.
   */
  readonly attribute: (type: string, name: string, attribute: string) => unknown;
}

/**
 * Every `stacks/<name>/cdk.tf.json` under a `cdktf.out` folder, sorted by stack name.
 * @throws CliError (exit 2) when the folder or its stacks are missing
 */
export function findStackFiles(dir: string, shownDir: string): Array<{ stack: string; file: string }> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new CliError(
      2,
      `${shownDir} does not exist or is not a folder: synthesize first (\`npm run synth\` or \`npx cdktf synth\`), or name the cdktf.out folder`,
    );
  }
  const stacksDir = path.join(dir, 'stacks');
  const stacks = fs.existsSync(stacksDir)
    ? fs
        .readdirSync(stacksDir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && fs.existsSync(path.join(stacksDir, e.name, 'cdk.tf.json')))
        .map((e) => e.name)
        .sort()
    : [];
  if (stacks.length === 0) {
    throw new CliError(
      2,
      `${shownDir} has no stacks/<name>/cdk.tf.json: is it a cdktf.out folder? synthesize first (\`npm run synth\`)`,
    );
  }
  return stacks.map((stack) => ({ stack, file: path.join(stacksDir, stack, 'cdk.tf.json') }));
}

/**
 * Reads and parses one synthesized stack file.
 * @throws CliError (exit 1) when the file is not a JSON object
 */
export function readStackJson(file: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(1, `${file}: not a synthesized stack (${(error as Error).message})`);
  }
  if (!isRecord(json)) throw new CliError(1, `${file}: not a synthesized stack (expected a JSON object)`);
  return json;
}

/**
 * Collects the host manifests of a stack's resources and data sources (the file is read
 * unless its parsed `json` is given).
 * @throws CliError (exit 1) when the file is not JSON or a manifest is malformed
 */
export function readStackManifests(stack: string, file: string, json = readStackJson(file)): StackManifests {
  const manifests: StoredHostManifest[] = [];
  for (const block of ['resource', 'data'] as const) {
    const types = json[block];
    if (!isRecord(types)) continue;
    for (const [type, resources] of Object.entries(types)) {
      if (!isRecord(resources)) continue;
      for (const [name, body] of Object.entries(resources)) {
        if (!isRecord(body)) continue;
        const address = `${block === 'data' ? 'data.' : ''}${type}.${name}`;
        const manifest = resourceManifest(body, address, file);
        if (manifest) manifests.push(manifest);
      }
    }
  }
  const root = json;
  const attribute = (type: string, name: string, key: string): unknown => {
    const [block, bare] = type.startsWith('data.') ? ['data', type.slice(5)] : ['resource', type];
    const types = root[block];
    const resources = isRecord(types) ? types[bare] : undefined;
    const body = isRecord(resources) ? resources[name] : undefined;
    return isRecord(body) ? body[key] : undefined;
  };
  return { stack, file, manifests, attribute };
}

/**
 * The host manifest a synthesized resource `body` records under its `//` block, with every file's
 * text (an upload's text read from the resource's `file` provisioner), or undefined for none.
 * @throws CliError (exit 1) when the manifest is malformed
 */
export function resourceManifest(
  body: Record<string, unknown>,
  resource: string,
  file: string,
): StoredHostManifest | undefined {
  const comment = body['//'];
  if (!isRecord(comment) || comment[MANIFEST_KEY] === undefined) return undefined;
  const value = comment[MANIFEST_KEY];
  const fail = (what: string): never => {
    throw new CliError(1, `${file}: ${resource}: malformed webfarm host manifest: ${what}`);
  };
  if (!isRecord(value)) return fail('expected an object');
  const text = (v: unknown, what: string): string =>
    typeof v === 'string' ? v : fail(`${what} is not a string`);
  // A file whose text is the resource's upload (`{ upload: destination }`): the text of the
  // `file` provisioner with that destination.
  const uploaded = (destination: unknown, what: string): string => {
    const provisioners = Array.isArray(body.provisioner) ? (body.provisioner as unknown[]) : [];
    for (const p of provisioners) {
      const upload = isRecord(p) && isRecord(p.file) ? p.file : undefined;
      if (upload && upload.destination === destination) return text(upload.content, `${what} upload`);
    }
    return fail(`${what} names upload ${JSON.stringify(destination)}, which the resource does not have`);
  };
  const delivery = value.delivery;
  if (delivery !== 'cloud-init' && delivery !== 'ssh') {
    return fail(`delivery must be "cloud-init" or "ssh", got ${JSON.stringify(delivery)}`);
  }
  if (!Array.isArray(value.files)) return fail('files is not a list');
  const files = value.files.map((f: unknown, i: number): StoredHostFile => {
    if (!isRecord(f)) return fail(`files[${i}] is not an object`);
    return {
      path: text(f.path, `files[${i}].path`),
      owner: f.owner === undefined ? 'root:root' : text(f.owner, `files[${i}].owner`),
      mode: f.mode === undefined ? '0644' : text(f.mode, `files[${i}].mode`),
      ...(f.check === undefined ? {} : { check: text(f.check, `files[${i}].check`) }),
      ...(f.createOnly === true ? { createOnly: true } : {}),
      content: isRecord(f.content)
        ? uploaded(f.content.upload, `files[${i}].content`)
        : text(f.content, `files[${i}].content`),
    };
  });
  return {
    host: text(value.host, 'host'),
    role: value.role === undefined ? 'host' : text(value.role, 'role'),
    delivery,
    files,
    resource,
  };
}

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
