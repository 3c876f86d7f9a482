import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';
import { requireTokenText, tokenRule } from '../core/token-rules';

/**
 * systemd unit files (service, timer, drop-in) from a typed model, and the path and shell
 * quoting helpers the storage renderers (Redis, NFS, ZFS) share. Pure: no cdktf.
 */

/** One `Key=Value` line of a unit file. */
export type SystemdDirective = readonly [key: string, value: string];

/** One `[Section]` of a unit file. */
export interface SystemdSection {
  /** `Unit`, `Service`, `Timer`, `Install`, … */
  readonly name: string;
  /** The directives, in order (a key may repeat, as `After=` often does). */
  readonly directives: readonly SystemdDirective[];
}

/** A unit file: its name (`webfarm-zfs-replicate.service`) and sections. */
export interface SystemdUnit {
  /** File name, e.g. `webfarm-zfs-replicate.timer`, or `webfarm.conf` for a drop-in. */
  readonly name: string;
  /** The sections, in order. */
  readonly sections: readonly SystemdSection[];
}

const SECTION = /^[A-Z][A-Za-z]*$/;
const KEY = /^[A-Z][A-Za-z0-9]*$/;
const UNIT_NAME = /^[A-Za-z0-9:_.@-]+\.(service|timer|socket|mount|automount|path|target|conf)$/;

/**
 * Renders a unit file. Values are written as given except that `%` becomes `%%` (systemd's
 * specifier escape, so no value changes meaning); a value with a line break or ending in a
 * backslash (a continuation) is rejected.
 */
export function renderSystemdUnit(unit: SystemdUnit, path = 'systemd unit'): string {
  if (!UNIT_NAME.test(unit.name)) {
    throw new ValidationError({
      path,
      what: 'unit name',
      value: unit.name,
      allowed: 'letters, digits and ":_.@-" with a unit suffix such as ".service" or ".timer"',
      fix: 'name the unit like "webfarm-zfs-replicate.service"',
    });
  }
  const where = `${path} ${unit.name}`;
  return unit.sections
    .map((section) => {
      if (!SECTION.test(section.name)) {
        throw new ValidationError({
          path: where,
          what: 'section name',
          value: section.name,
          allowed: 'a systemd section such as "Unit", "Service", "Timer" or "Install"',
          fix: 'use the section name from systemd.unit(5)',
        });
      }
      const lines = section.directives.map(([key, value]) => {
        if (!KEY.test(key)) {
          throw new ValidationError({
            path: where,
            what: 'directive',
            value: key,
            allowed: 'a directive name such as "ExecStart"',
            fix: 'use the directive name from systemd.directives(7)',
          });
        }
        if (!isUnresolved(value) && (/[\r\n\0]/.test(value) || /\\$/.test(value))) {
          throw new ValidationError({
            path: where,
            what: `value of ${key}`,
            value,
            allowed: 'one line, not ending in a backslash',
            fix: 'remove the line break (write several directives instead)',
          });
        }
        return `${key}=${value.replace(/%/g, '%%')}`;
      });
      return `[${section.name}]\n${lines.join('\n')}\n`;
    })
    .join('\n');
}

const SAFE_PATH = /^\/[A-Za-z0-9._@+/-]*$/;

/**
 * Throws unless `value` is an absolute path of letters, digits and `._@+/-` (no spaces, quotes
 * or `..` parts): safe unquoted in fstab, exports, unit files and shell.
 */
export function checkAbsolutePath(path: string, what: string, value: string): void {
  if (isUnresolved(value)) {
    requireTokenText(value, tokenRule('filePath', path, what));
    return;
  }
  if (typeof value !== 'string' || !SAFE_PATH.test(value) || value.split('/').includes('..')) {
    throw new ValidationError({
      path,
      what,
      value,
      allowed: 'an absolute path of letters, digits and "._@+/-" without ".." parts, e.g. "/srv/images"',
      fix: 'start the path with "/" and leave out spaces and quotes',
    });
  }
}

/**
 * Quotes one word for bash (`'…'`, with `'` written as `'\''`). A Terraform token is put inside
 * single quotes as it is: the values webfarm passes (addresses, device paths, generated names)
 * resolve to text without quotes.
 */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9._@+/:=,-]+$/.test(value) && !isUnresolved(value)) return value;
  requireTokenText(value, tokenRule('singleQuoted', 'shell script', 'a quoted word'));
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `KEY=value` lines of a bash-sourced settings file, each value quoted by {@link shellQuote}. */
export function renderShellSettings(
  header: string,
  settings: ReadonlyArray<readonly [name: string, value: string | readonly string[]]>,
): string {
  const lines = settings.map(([name, value]) => {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`shell setting name ${JSON.stringify(name)}`);
    if (typeof value === 'string') {
      checkShellValue(name, value);
      return `${name}=${shellQuote(value)}`;
    }
    value.forEach((v) => checkShellValue(name, v));
    return `${name}=(${value.map(shellQuote).join(' ')})`;
  });
  const comment = header
    .split('\n')
    .map((l) => `# ${l}`.trimEnd())
    .join('\n');
  // The file is sourced by a script: its variables are used there.
  return `${comment}\n# shellcheck disable=SC2034\n${lines.join('\n')}\n`;
}

function checkShellValue(name: string, value: string): void {
  if (!isUnresolved(value) && /[\r\n\0]/.test(value)) {
    throw new ValidationError({
      path: 'shell settings',
      what: `value of ${name}`,
      value,
      allowed: 'one line of text',
      fix: 'remove the line break',
    });
  }
}
