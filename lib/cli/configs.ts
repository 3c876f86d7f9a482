import * as fs from 'fs';
import * as path from 'path';
import { CliError } from './errors';
import {
  addNginxTempPaths,
  checkLocalSocketPaths,
  findPathUses,
  isSafeLocalRoot,
  LocalFile,
  PathUse,
  prepareLocalFiles,
  rewriteHostPaths,
} from './local-paths';
import { allocatePlaceholders, Placeholder } from './placeholders';
import {
  findStackFiles,
  readStackManifests,
  StackManifests,
  StoredHostFile,
  StoredHostManifest,
} from './stacks';
import { interpolationsIn, parseTemplate, renderTemplate } from './terraform-text';

/** The per-host manifest `webfarm configs` writes beside the host's files. */
export const HOST_MANIFEST_FILE = 'webfarm-manifest.json';
/** The per-stack map of Terraform references to placeholders. */
export const ADDRESSES_FILE = 'addresses.json';

/** Options of {@link writeConfigs}. */
export interface ConfigsOptions {
  /** The `cdktf.out` folder (absolute). */
  readonly dir: string;
  /** The output folder (absolute). */
  readonly out: string;
  /** Rewrite host paths inside the files to their place under `out` (and make what they need). */
  readonly localPaths: boolean;
  /**
   * How to name `dir` in messages.
   * @default - `dir`
   */
  readonly shownDir?: string;
  /**
   * Where this machine's files are looked up for included files no manifest provides.
   * @default '/'
   */
  readonly machineRoot?: string;
}

/** One entry of a host's `webfarm-manifest.json`. */
export interface WrittenFileEntry {
  /** Path on the host. */
  readonly path: string;
  /** `user:group` on the host (the local copy belongs to whoever ran the command). */
  readonly owner: string;
  /** Octal mode on the host. */
  readonly mode: string;
  /** How it travels: `cloud-init` (first boot) or `ssh` (pushed in place on every change). */
  readonly delivery: StoredHostManifest['delivery'];
  /** Terraform address of the resource that delivers it. */
  readonly source: string;
  /** The command that checks it on the host. */
  readonly check?: string;
  /** The same command with `--local-paths` paths, to run here. */
  readonly localCheck?: string;
  /** Other deliveries of the same path that this one overwrites on the host. */
  readonly replaces?: string[];
  /** What `--local-paths` changed beyond paths. */
  readonly localChanges?: string[];
}

/** A host's `webfarm-manifest.json`. */
export interface HostManifestFile {
  /** Stack name. */
  readonly stack: string;
  /** Host name. */
  readonly host: string;
  /** What the host is (several roles joined by `, `). */
  readonly role: string;
  /** The files, in delivery order. */
  readonly files: WrittenFileEntry[];
  /** Placeholder → the Terraform reference it stands for. */
  readonly references: Record<string, string>;
  /** With `--local-paths`: the folder host paths were rewritten to. */
  readonly localRoot?: string;
  /** With `--local-paths`: what was made beyond the manifests' files. */
  readonly localFiles?: LocalFile[];
}

/** What {@link writeConfigs} wrote for one host. */
export interface HostSummary {
  /** Stack name. */
  readonly stack: string;
  /** Host name. */
  readonly host: string;
  /** Role(s). */
  readonly role: string;
  /** Number of files from the manifests. */
  readonly files: number;
  /** Deliveries used, in order (`cloud-init`, `ssh`). */
  readonly deliveries: string[];
  /** The host's folder. */
  readonly folder: string;
}

/** What {@link writeConfigs} did. */
export interface ConfigsResult {
  /** Every host written, by stack then host name. */
  readonly hosts: HostSummary[];
  /** Stacks that carry no host manifest (nothing written for them). */
  readonly emptyStacks: string[];
}

/**
 * `webfarm configs`: writes every file each host of each synthesized stack receives to
 * `OUT/<stack>/<host>/<path>`, with references replaced by placeholders and escapes undone, plus
 * `OUT/<stack>/<host>/webfarm-manifest.json` and `OUT/<stack>/addresses.json`. A stack folder
 * written by an earlier run is replaced; any other non-empty folder in the way is an error.
 * @throws CliError on missing input (exit 2) or unreadable stacks / unsafe paths (exit 1)
 */
export function writeConfigs(options: ConfigsOptions): ConfigsResult {
  if (options.localPaths && !isSafeLocalRoot(options.out)) {
    throw new CliError(
      2,
      `--local-paths writes OUT's absolute path into configuration files, so it must consist of letters, digits and ._@+~-/ only: ${JSON.stringify(options.out)}`,
    );
  }
  const hosts: HostSummary[] = [];
  const emptyStacks: string[] = [];
  for (const { stack, file } of findStackFiles(options.dir, options.shownDir ?? options.dir)) {
    const stackManifests = readStackManifests(stack, file);
    if (stackManifests.manifests.length === 0) {
      emptyStacks.push(stack);
      continue;
    }
    hosts.push(...writeStack(stackManifests, options));
  }
  return { hosts, emptyStacks };
}

function writeStack({ stack, manifests, attribute }: StackManifests, options: ConfigsOptions): HostSummary[] {
  const texts = manifests.flatMap((m) => [
    m.host,
    ...m.files.flatMap((f) => [f.path, f.content, f.check ?? '']),
  ]);
  const placeholders = allocatePlaceholders(texts.flatMap(interpolationsIn), {
    secretLength: ({ type, name }) => {
      const length =
        type === 'random_password' || type === 'random_string' ? attribute(type, name, 'length') : undefined;
      return typeof length === 'number' ? length : undefined;
    },
  });
  const render = (text: string): string =>
    renderTemplate(parseTemplate(text), (part) => placeholders.get(part.source)?.value ?? part.source);
  const stackOut = path.join(options.out, stack);
  clearOwnFolder(stackOut);
  fs.mkdirSync(stackOut, { recursive: true });

  const byHost = new Map<string, StoredHostManifest[]>();
  for (const manifest of manifests) {
    const host = render(manifest.host);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(host)) {
      throw new CliError(
        1,
        `${stack}: ${manifest.resource}: host name ${JSON.stringify(host)} is not a safe folder name`,
      );
    }
    byHost.set(host, [...(byHost.get(host) ?? []), manifest]);
  }

  const summaries: HostSummary[] = [];
  for (const host of [...byHost.keys()].sort()) {
    const group = byHost.get(host) ?? [];
    // cloud-init writes at first boot; ssh pushes later and so wins on the same path.
    const ordered = [
      ...group.filter((m) => m.delivery === 'cloud-init'),
      ...group.filter((m) => m.delivery === 'ssh'),
    ];
    const hostRoot = path.join(stackOut, host);
    const files = new Map<
      string,
      { file: StoredHostFile; manifest: StoredHostManifest; replaces: string[] }
    >();
    for (const manifest of ordered) {
      for (const file of manifest.files) {
        const hostPath = checkHostPath(render(file.path), stack, manifest.resource);
        const earlier = files.get(hostPath);
        files.delete(hostPath);
        files.set(hostPath, {
          file,
          manifest,
          replaces: earlier
            ? [...earlier.replaces, `${earlier.manifest.resource} (${earlier.manifest.delivery})`]
            : [],
        });
      }
    }
    const entries: WrittenFileEntry[] = [];
    const uses: PathUse[] = [];
    const used = new Set<string>();
    const nginxTempDirs: string[] = [];
    for (const [hostPath, { file, manifest, replaces }] of files) {
      for (const text of [file.content, file.check ?? '']) {
        for (const ref of interpolationsIn(text)) used.add(ref);
      }
      let content = render(file.content);
      const check = file.check === undefined ? undefined : render(file.check);
      const localChanges: string[] = [];
      if (options.localPaths) {
        uses.push(...findPathUses(content, hostPath));
        content = rewriteHostPaths(content, hostRoot);
        if (hostPath.endsWith('/nginx.conf')) {
          const added = addNginxTempPaths(content, hostRoot);
          content = added.content;
          nginxTempDirs.push(...added.directories);
          if (added.added.length) localChanges.push(`added ${added.added.join(', ')} (under OUT)`);
        }
      }
      const target = path.join(hostRoot, hostPath);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
      fs.chmodSync(target, (parseInt(file.mode, 8) & 0o7777) | 0o600);
      entries.push({
        path: hostPath,
        owner: file.owner,
        mode: file.mode,
        delivery: manifest.delivery,
        source: manifest.resource,
        ...(check !== undefined ? { check } : {}),
        ...(check !== undefined && options.localPaths
          ? { localCheck: rewriteHostPaths(check, hostRoot) }
          : {}),
        ...(replaces.length ? { replaces } : {}),
        ...(localChanges.length ? { localChanges } : {}),
      });
    }
    if (options.localPaths) checkLocalSocketPaths(uses, hostRoot);
    for (const dir of nginxTempDirs) fs.mkdirSync(dir, { recursive: true });
    const localFiles = options.localPaths
      ? prepareLocalFiles({
          hostRoot,
          uses,
          provided: new Set(files.keys()),
          machineRoot: options.machineRoot,
        })
      : undefined;
    const manifestFile: HostManifestFile = {
      stack,
      host,
      role: [...new Set(group.map((m) => m.role))].join(', '),
      files: entries,
      references: referencesOf(used, placeholders),
      ...(options.localPaths ? { localRoot: hostRoot, localFiles } : {}),
    };
    fs.writeFileSync(path.join(hostRoot, HOST_MANIFEST_FILE), `${JSON.stringify(manifestFile, null, 2)}\n`);
    summaries.push({
      stack,
      host,
      role: manifestFile.role,
      files: entries.length,
      deliveries: [...new Set(ordered.map((m) => m.delivery))],
      folder: hostRoot,
    });
  }
  const addresses = Object.fromEntries(
    [...placeholders.values()]
      .sort((a, b) => compare(a.reference, b.reference))
      .map((p) => [p.reference, p.value]),
  );
  fs.writeFileSync(path.join(stackOut, ADDRESSES_FILE), `${JSON.stringify(addresses, null, 2)}\n`);
  return summaries;
}

function referencesOf(used: Set<string>, placeholders: Map<string, Placeholder>): Record<string, string> {
  return Object.fromEntries(
    [...used]
      .map((ref) => placeholders.get(ref))
      .filter((p): p is Placeholder => p !== undefined)
      .sort((a, b) => compare(a.value, b.value))
      .map((p) => [p.value, p.reference]),
  );
}

function checkHostPath(hostPath: string, stack: string, resource: string): string {
  if (
    !hostPath.startsWith('/') ||
    path.posix.normalize(hostPath) !== hostPath ||
    hostPath.endsWith('/') ||
    hostPath === `/${HOST_MANIFEST_FILE}`
  ) {
    throw new CliError(
      1,
      `${stack}: ${resource}: file path ${JSON.stringify(hostPath)} is not a normal absolute file path`,
    );
  }
  return hostPath;
}

/** Removes a stack folder an earlier run wrote; refuses to touch any other non-empty folder. */
function clearOwnFolder(folder: string): void {
  if (!fs.existsSync(folder)) return;
  if (fs.existsSync(path.join(folder, ADDRESSES_FILE))) {
    fs.rmSync(folder, { recursive: true, force: true });
    return;
  }
  if (fs.statSync(folder).isDirectory() && fs.readdirSync(folder).length === 0) return;
  throw new CliError(
    1,
    `${folder} exists and was not written by \`webfarm configs\`: choose another --out or remove it`,
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The summary table printed after writing: stack, host, role, files, delivery. */
export function formatSummary(result: ConfigsResult, out: string, localPaths: boolean): string {
  const rows = [
    ['STACK', 'HOST', 'ROLE', 'FILES', 'DELIVERY'],
    ...result.hosts.map((h) => [h.stack, h.host, h.role, String(h.files), h.deliveries.join('+')]),
  ];
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  const lines = rows.map((r) =>
    r
      .map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col])))
      .join('  ')
      .trimEnd(),
  );
  const files = result.hosts.reduce((n, h) => n + h.files, 0);
  const notes = result.emptyStacks.map((s) => `stack ${s}: no host manifests, nothing written`);
  if (result.hosts.length === 0) return `${[...notes, 'no host files to write'].join('\n')}\n`;
  return `${[
    ...lines,
    '',
    `${files} file(s) for ${result.hosts.length} host(s) written under ${out}` +
      (localPaths ? ' (--local-paths: host paths point under it)' : ''),
    'placeholders: see <stack>/addresses.json and each host folder’s webfarm-manifest.json',
    ...notes,
  ].join('\n')}\n`;
}
