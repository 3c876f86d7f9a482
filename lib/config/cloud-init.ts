import { Document } from 'yaml';
import type { HostFile } from '../core/host-file';
import { ValidationError } from '../core/errors';
import { renamed } from '../core/renamed';
import { isUnresolved } from '../core/tokens';

/**
 * A file cloud-init writes (`write_files`), with cloud-init's name for the mode.
 *
 * @deprecated Use `HostFile` instead (the one file type; `mode` for `permissions`). Terraform
 * references in its content must resolve to single-line, quote-free values.
 */
export interface CloudInitFile extends HostFile {
  /**
   * Octal mode, under cloud-init's name.
   *
   * @deprecated Use `mode` instead. Still accepted; giving both with different values is a
   * `ValidationError`.
   */
  readonly permissions?: string;
}

/** A user cloud-init creates. */
export interface CloudInitUser {
  /** Login name. */
  readonly name: string;
  /**
   * Public keys allowed to log in.
   * @default - none
   */
  readonly sshAuthorizedKeys?: string[];
  /**
   * sudo rule, e.g. `ALL=(ALL) NOPASSWD:ALL`.
   * @default - no sudo
   */
  readonly sudo?: string;
  /**
   * Supplementary groups.
   * @default - none
   */
  readonly groups?: string[];
  /**
   * Login shell.
   * @default '/bin/bash'
   */
  readonly shell?: string;
  /**
   * A system account (no home, no aging).
   * @default false
   */
  readonly system?: boolean;
}

/** The typed model of a `#cloud-config` document (the subset webfarm uses). */
export interface CloudConfig {
  /**
   * Debian/Ubuntu packages to install.
   * @default - none
   */
  readonly packages?: string[];
  /**
   * `apt-get update` before installing.
   * @default true when packages are given
   */
  readonly packageUpdate?: boolean;
  /**
   * `apt-get upgrade` at first boot.
   * @default false
   */
  readonly packageUpgrade?: boolean;
  /**
   * Users to create; `default` keeps the image's default user.
   * @default - the image's default user only
   */
  readonly users?: Array<CloudInitUser | 'default'>;
  /**
   * Files to write (`write_files`): path, content, owner, mode and `defer`. Terraform references
   * in a content must resolve to single-line, quote-free values. `check`, `createOnly` and
   * `secret` are refused (cloud-init runs no check, writes once, and user data is no secret).
   * @default - none
   */
  readonly writeFiles?: Array<HostFile | CloudInitFile>;
  /**
   * `/etc/fstab` entries: `[device, mountpoint, fstype, options, dump, pass]`.
   * @default - none
   */
  readonly mounts?: string[][];
  /**
   * Commands run once at first boot, in order: a string runs in `sh -c`, an array is exec'd.
   * @default - none
   */
  readonly runcmd?: Array<string | string[]>;
  /**
   * Host name.
   * @default - the instance name
   */
  readonly hostname?: string;
}

/** Merges cloud-config fragments: lists are concatenated in order, scalars from later fragments win. */
export function mergeCloudConfigs(...parts: CloudConfig[]): CloudConfig {
  const concat = <T>(pick: (c: CloudConfig) => T[] | undefined): T[] | undefined => {
    const all = parts.flatMap((p) => pick(p) ?? []);
    return all.length ? all : undefined;
  };
  const last = <T>(pick: (c: CloudConfig) => T | undefined): T | undefined =>
    parts
      .map(pick)
      .filter((v) => v !== undefined)
      .pop();
  const packages = concat((c) => c.packages);
  return dropUndefined({
    packages: packages ? [...new Set(packages)] : undefined,
    packageUpdate: last((c) => c.packageUpdate),
    packageUpgrade: last((c) => c.packageUpgrade),
    users: concat((c) => c.users),
    writeFiles: concat((c) => c.writeFiles),
    mounts: concat((c) => c.mounts),
    runcmd: concat((c) => c.runcmd),
    hostname: last((c) => c.hostname),
  });
}

/**
 * Renders a `#cloud-config` document with the `yaml` package: block style, every string a
 * double-quoted scalar (JSON string syntax, which YAML reads the same), so no user text can
 * change the document's structure. Checked by `cloud-init schema --config-file`.
 */
export function renderCloudConfig(config: CloudConfig, path = 'cloud-init'): string {
  checkCloudConfig(config, path);
  const doc: Record<string, unknown> = {};
  if (config.hostname !== undefined) doc.hostname = config.hostname;
  if (config.users) {
    doc.users = config.users.map((u) =>
      u === 'default'
        ? 'default'
        : dropUndefined({
            name: u.name,
            groups: u.groups?.length ? u.groups.join(', ') : undefined,
            shell: u.shell ?? '/bin/bash',
            sudo: u.sudo,
            system: u.system,
            lock_passwd: true,
            ssh_authorized_keys: u.sshAuthorizedKeys?.length ? u.sshAuthorizedKeys : undefined,
          }),
    );
  }
  if (config.packages?.length) {
    doc.package_update = config.packageUpdate ?? true;
    doc.package_upgrade = config.packageUpgrade ?? false;
    doc.packages = config.packages;
  } else if (config.packageUpgrade) {
    doc.package_upgrade = true;
  }
  if (config.writeFiles?.length) {
    doc.write_files = config.writeFiles.map((f) =>
      dropUndefined({
        path: f.path,
        owner: f.owner ?? 'root:root',
        permissions: modeOf(f, path) ?? '0644',
        defer: f.defer || undefined,
        content: f.content,
      }),
    );
  }
  if (config.mounts?.length) doc.mounts = config.mounts;
  if (config.runcmd?.length) doc.runcmd = config.runcmd;
  return `#cloud-config\n${emitYaml(doc)}`;
}

function checkCloudConfig(config: CloudConfig, path: string): void {
  const seen = new Set<string>();
  for (const f of config.writeFiles ?? []) {
    if (
      !isUnresolved(f.path) &&
      (typeof f.path !== 'string' ||
        !/^\/[A-Za-z0-9._@+/-]+$/.test(f.path) ||
        f.path.split('/').some((part) => part === '.' || part === '..') ||
        f.path.endsWith('/'))
    ) {
      throw new ValidationError({
        path,
        what: 'write_files path',
        value: f.path,
        allowed: 'an absolute path of letters, digits and ._@+/- without "." or ".." parts, naming a file',
        fix: 'give the absolute path of the file on the host',
      });
    }
    if (seen.has(f.path)) {
      throw new ValidationError({
        path,
        what: 'write_files path',
        value: f.path,
        allowed: 'each path once',
        fix: 'merge the two files into one, or write them to different paths',
      });
    }
    seen.add(f.path);
    for (const [what, mode] of [
      ['mode', f.mode],
      ['permissions', (f as CloudInitFile).permissions],
    ] as const) {
      if (mode !== undefined && !/^0?[0-7]{3,4}$/.test(mode)) {
        throw new ValidationError({
          path,
          what: `${what} of ${f.path}`,
          value: mode,
          allowed: 'an octal mode such as "0640"',
          fix: 'write the mode in octal',
        });
      }
    }
    modeOf(f, path);
    for (const flag of ['check', 'createOnly', 'secret'] as const) {
      if (f[flag] !== undefined && f[flag] !== false) {
        throw new ValidationError({
          path,
          what: `${flag} of ${f.path}`,
          value: f[flag],
          allowed: 'path, content, owner, mode and defer in cloud-init write_files',
          fix:
            flag === 'secret'
              ? 'keep secrets out of user data: give the file to a balancer (pushed over SSH), or leave secret out'
              : `leave ${flag} out: cloud-init writes the file once, at first boot`,
        });
      }
    }
    if (f.owner !== undefined && !/^[a-z_][a-z0-9_-]*(:[a-z_][a-z0-9_-]*)?$/.test(f.owner)) {
      throw new ValidationError({
        path,
        what: `owner of ${f.path}`,
        value: f.owner,
        allowed: '"user" or "user:group"',
        fix: 'name an existing user and group',
      });
    }
  }
  for (const p of config.packages ?? []) {
    if (!/^[a-z0-9][a-z0-9+.-]*(=[A-Za-z0-9.+:~-]+)?$/.test(p)) {
      throw new ValidationError({
        path,
        what: 'package',
        value: p,
        allowed: 'a Debian package name, optionally "=version"',
        fix: 'use the name `apt-cache search` shows',
      });
    }
  }
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Characters a YAML stream may not contain even inside a quoted scalar (outside YAML's printable
 * set), or that YAML 1.1 reads as line breaks (NEL, LS, PS) or a reader may treat specially
 * (BOM). The `yaml` package writes them raw inside double quotes; we write them as `\uXXXX`
 * escapes. Every scalar is double-quoted and every key is ASCII, so any such character in the
 * emitted document is inside a quoted scalar, where the escape means the same character.
 */
const YAML_UNPRINTABLE =
  /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Block style, every string a double-quoted scalar in JSON syntax (which YAML reads the same),
 * no line folding: no user text can change the document's structure.
 */
function emitYaml(doc: Record<string, unknown>): string {
  return new Document(doc)
    .toString({
      defaultStringType: 'QUOTE_DOUBLE',
      defaultKeyType: 'PLAIN',
      doubleQuotedAsJSON: true,
      lineWidth: 0,
    })
    .replace(YAML_UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A file's mode under `mode` or the deprecated `permissions` (both, different: refused). */
function modeOf(f: HostFile | CloudInitFile, path: string): string | undefined {
  return renamed(
    path,
    `mode of ${f.path}`,
    f.mode,
    `permissions of ${f.path}`,
    (f as CloudInitFile).permissions,
  );
}
