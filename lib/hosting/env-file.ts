import { ValidationError } from '../core/errors';
import { isUnresolved, splitTokens } from '../core/tokens';
import { requireTokenText, tokenRule } from '../core/token-rules';

/**
 * The application's environment file (`/etc/webfarm/<group>.env`): one `NAME=value` line per
 * variable, quoted so that two readers get back exactly the same values:
 *
 * - a POSIX shell, `set -a; . /etc/webfarm/web.env; set +a` (how the docker compose start sources
 *   it), and
 * - systemd's `EnvironmentFile=` (how the systemd start reads it).
 *
 * The two agree on single-quoted text without a `'` inside, and on double-quoted text in which
 * only `"`, `\`, `$` and the backtick are escaped by a backslash. They do NOT agree on the
 * shell idiom `'it'\''s'` (systemd reads `it''s'`), so a value holding a `'` is double-quoted.
 * Newlines, carriage returns and NUL cannot be carried by either and are refused.
 *
 * Values that hold a Terraform reference (a generated Redis password) are single-quoted and
 * passed through: Terraform inserts the resolved text at apply time, unquoted. It must therefore
 * resolve to one line without `'`, `"` or `\` (the environment file travels inside a
 * double-quoted YAML string of the cloud-config). A `random_password` meant for the environment
 * should use `overrideSpecial: SECRET_SAFE_SPECIAL_CHARACTERS` (what `generatedSecret`
 * draws from).
 */

/**
 * Special characters a generated secret may contain and still travel safely through the
 * environment file and the cloud-config (`random_password`'s `overrideSpecial`): a wider set than
 * `SECRET_SAFE_SPECIAL_CHARACTERS`, safe in this file only.
 *
 * @deprecated Use `SECRET_SAFE_SPECIAL_CHARACTERS` instead: the one set of special
 * characters webfarm's secrets are safe with everywhere (the environment file, a shell word,
 * YAML, JSON, `redis.conf`, a URL). This value is kept as it was, so a `random_password` that
 * uses it is not replaced (`override_special` forces a new password).
 */
export const ENV_SAFE_SPECIAL_CHARACTERS = '!#$%&*()-_=+[]{}<>:?.,@^~';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// eslint-disable-next-line no-control-regex
const UNCARRIABLE = /[\n\r\u0000]/;

/**
 * Names the start command itself depends on: setting them from the environment file breaks it
 * (`PATH` hides the binaries, `LD_PRELOAD` loads code into every process, `IFS`/`ENV`/`BASH_ENV`
 * change how the shell that sources the file reads the rest).
 */
const RESERVED_ENV =
  /^(PATH|IFS|ENV|BASH_ENV|CDPATH|SHELLOPTS|BASHOPTS|PS4|HOME|PWD|OLDPWD|SHELL|USER|LOGNAME|LD_[A-Z0-9_]*|SYSTEMD_[A-Z0-9_]*|NOTIFY_SOCKET|LISTEN_FDS|LISTEN_PID|INVOCATION_ID|STATE_DIRECTORY)$/;

/** Throws unless `name` is a variable name both a shell and systemd accept. */
export function checkEnvName(path: string, name: string): void {
  if (typeof name === 'string' && RESERVED_ENV.test(name)) {
    throw new ValidationError({
      path,
      what: 'environment variable name',
      value: name,
      allowed: 'a name the start command does not depend on (not PATH, IFS, HOME, LD_*, SYSTEMD_*, …)',
      fix: 'give your app its own name, e.g. "APP_PATH", and read that',
    });
  }
  if (typeof name !== 'string' || !ENV_NAME.test(name)) {
    throw new ValidationError({
      path,
      what: 'environment variable name',
      value: name,
      allowed: 'letters, digits and "_", not starting with a digit',
      fix: 'rename the variable, e.g. "REDIS_URL"',
    });
  }
}

/** Throws unless `value` can be written to the environment file (see the module comment). */
export function checkEnvValue(path: string, name: string, value: string): void {
  if (typeof value !== 'string') {
    throw new ValidationError({
      path,
      what: `value of ${name}`,
      value,
      allowed: 'a string',
      fix: `write the value as a string, e.g. ${JSON.stringify(String(value))}`,
    });
  }
  const literals = splitTokens(value).filter((_, i) => i % 2 === 0);
  if (literals.some((l) => UNCARRIABLE.test(l))) {
    throw new ValidationError({
      path,
      what: `value of ${name}`,
      value,
      allowed: 'one line of text without carriage returns or NUL characters',
      fix: 'put multi-line content in a file (`files`) and pass its path in the variable',
    });
  }
  if (isUnresolved(value) && literals.some((l) => l.includes("'"))) {
    throw new ValidationError({
      path,
      what: `value of ${name}`,
      value,
      allowed: 'a Terraform reference with text around it that holds no single quote',
      fix: "drop the ' from the text around the reference, or pass the reference alone",
    });
  }
  // Terraform checks the reference's value at plan time (see TokenTextRule).
  requireTokenText(value, tokenRule('envValue', path, `value of ${name}`));
}

/** Quotes one value for the environment file (validated with {@link checkEnvValue} first). */
export function quoteEnvValue(value: string): string {
  if (isUnresolved(value) || !value.includes("'")) return `'${value}'`;
  return `"${value.replace(/["\\$`]/g, (c) => `\\${c}`)}"`;
}

/**
 * Renders the environment file: an optional comment header, then `NAME=value` lines in the
 * given order. Names and values are checked (see {@link checkEnvName}, {@link checkEnvValue}).
 */
export function renderEnvFile(
  path: string,
  variables: ReadonlyArray<readonly [string, string]>,
  header?: string,
): string {
  const lines: string[] = [];
  if (header !== undefined) {
    for (const line of header.split('\n')) lines.push(line === '' ? '#' : `# ${line}`);
  }
  const seen = new Set<string>();
  for (const [name, value] of variables) {
    checkEnvName(path, name);
    checkEnvValue(path, name, value);
    if (seen.has(name)) {
      throw new ValidationError({
        path,
        what: 'environment variable',
        value: name,
        allowed: 'each name once',
        fix: 'set the variable in one place only',
      });
    }
    seen.add(name);
    lines.push(`${name}=${quoteEnvValue(value)}`);
  }
  return `${lines.join('\n')}\n`;
}
