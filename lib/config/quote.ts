import { ValidationError } from '../core/errors';
import { parseIp } from '../core/validate';
import { isUnresolved, splitTokens } from '../core/tokens';
import { requireTokenText, tokenRule } from '../core/token-rules';

/**
 * Quoting, one function per dialect (STYLE "Rendering configuration text"). Each takes a user
 * string and returns the text to put in the configuration so the daemon reads back exactly that
 * string, or throws a {@link ValidationError} when the dialect cannot carry it (a newline, a
 * `$` where nginx would expand a variable, a `"` inside a keepalived string, …).
 *
 * Terraform token markers (`${TfToken[TOKEN.n]}`) pass through untouched: a value that holds
 * one is always quoted, because its resolved text is not known here. Such a value must resolve
 * to text without newlines and without the dialect's quote character.
 */

/** Where a value goes, for the message of a {@link ValidationError}. */
export interface QuoteContext {
  /** Model path of the value, e.g. `nginx listener 'web'`. */
  readonly path: string;
  /** What the value is, e.g. `requestHeaders["X-Env"]`. */
  readonly what: string;
}

/** Options of {@link nginxQuote}. */
export interface NginxQuoteOptions extends QuoteContext {
  /**
   * The directive expands `$name` variables in this argument (`proxy_set_header`, `return`,
   * `add_header`, `if`, a `map` value): a literal `$` cannot be written there and is rejected.
   * @default false
   */
  readonly variables?: boolean;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Characters nginx, HAProxy and keepalived all read as part of one bare word. */
const BARE = /^[A-Za-z0-9._/:@+=,-]+$/;

function describeControl(ch: string): string {
  if (ch === '\n') return 'a newline';
  if (ch === '\r') return 'a carriage return';
  if (ch === '\t') return 'a tab';
  return `the control character U+${ch.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`;
}

function reject(ctx: QuoteContext, value: string, allowed: string, fix: string): never {
  throw new ValidationError({ path: ctx.path, what: ctx.what, value, allowed, fix });
}

/** Rejects control characters and broken UTF-16 in the literal parts of `value`. */
function checkText(ctx: QuoteContext, value: string, dialect: string, allowed: string): string[] {
  if (typeof value !== 'string') {
    reject(ctx, value, allowed, `give a string`);
  }
  const parts = splitTokens(value);
  for (let i = 0; i < parts.length; i += 2) {
    const control = CONTROL.exec(parts[i]);
    if (control) {
      reject(
        ctx,
        value,
        allowed,
        `remove ${describeControl(control[0])}: ${dialect} configuration cannot carry it in a value`,
      );
    }
    if (LONE_SURROGATE.test(parts[i])) {
      reject(ctx, value, allowed, 'the text is not valid Unicode (a lone surrogate); fix its encoding');
    }
  }
  return parts;
}

/**
 * Quotes one nginx directive argument. Bare when it is a plain word; otherwise in double quotes
 * with `\` and `"` escaped (nginx reads `;`, `{`, `}`, `#`, `'` and spaces literally inside).
 * Rejects control characters (a newline would end the directive), and `$` when
 * `options.variables` says the directive expands variables.
 */
export function nginxQuote(value: string, options: NginxQuoteOptions): string {
  const allowed = options.variables
    ? 'text without control characters and without "$" (nginx expands $name here)'
    : 'text without control characters (newline, tab, …)';
  const parts = checkText(options, value, 'nginx', allowed);
  if (options.variables) {
    for (let i = 0; i < parts.length; i += 2) {
      if (parts[i].includes('$')) {
        reject(
          options,
          value,
          allowed,
          'remove the "$": nginx would read it as the start of a variable, and has no escape for it',
        );
      }
    }
  }
  if (parts.length === 1 && BARE.test(value)) return value;
  requireTokenText(
    value,
    tokenRule(options.variables ? 'doubleQuotedNoVariables' : 'doubleQuoted', options.path, options.what),
  );
  return `"${parts.map((p, i) => (i % 2 === 1 ? p : p.replace(/[\\"]/g, '\\$&'))).join('')}"`;
}

/**
 * Escapes `text` for a PCRE regular expression (nginx `~` matches): each metacharacter
 * (`\ ^ $ . | ? * + ( ) [ ] { }`) gets a backslash, which PCRE reads as "this character,
 * literally"; everything else already matches itself. Quote the regex with {@link nginxQuote}.
 */
export function pcreLiteral(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/**
 * Quotes one HAProxy configuration word. Bare when it is a plain word; otherwise in single
 * quotes ("strong quoting": nothing inside is interpreted, not `$`, `#`, `\` nor spaces), with a
 * `'` written as `'\''` (HAProxy concatenates adjacent quoted parts). Rejects control characters.
 */
export function haproxyQuote(value: string, ctx: QuoteContext): string {
  const parts = checkText(ctx, value, 'HAProxy', 'text without control characters (newline, tab, …)');
  if (parts.length === 1 && BARE.test(value)) return value;
  requireTokenText(value, tokenRule('singleQuoted', ctx.path, ctx.what));
  return `'${parts.map((p, i) => (i % 2 === 1 ? p : p.replace(/'/g, "'\\''"))).join('')}'`;
}

/**
 * Quotes a literal for an HAProxy log-format argument (`http-request set-header <name> <fmt>`):
 * `%` becomes `%%` (else `%[…]` would be a sample fetch), then {@link haproxyQuote}.
 */
export function haproxyLogFormatQuote(value: string, ctx: QuoteContext): string {
  checkText(ctx, value, 'HAProxy', 'text without control characters (newline, tab, …)');
  requireTokenText(value, {
    pattern: `^[^\\x00-\\x1f\\x7f'%]*$`,
    allowed: "one line of text without `'` or `%` (HAProxy reads %[…] as a sample fetch)",
    path: ctx.path,
    what: ctx.what,
  });
  return haproxyQuote(
    splitTokens(value)
      .map((p, i) => (i % 2 === 1 ? p : p.replace(/%/g, '%%')))
      .join(''),
    ctx,
  );
}

/**
 * Quotes one keepalived configuration word. Bare when it is a plain word; otherwise in double
 * quotes, inside which keepalived reads everything literally (`#`, `!`, `{`, `}`, spaces) except
 * the closing `"`. keepalived has no escape, so `"` is rejected; so is `$` (keepalived expands
 * `$NAME` definitions and built-ins such as `${_RANDOM}`), and anything outside printable ASCII.
 */
export function keepalivedQuote(value: string, ctx: QuoteContext): string {
  const allowed = 'printable ASCII without `"` and `$`';
  const parts = checkText(ctx, value, 'keepalived', allowed);
  for (let i = 0; i < parts.length; i += 2) {
    if (/[^\x20-\x7e]/.test(parts[i])) {
      reject(ctx, value, allowed, 'use ASCII letters, digits and punctuation only');
    }
    if (parts[i].includes('"')) {
      reject(ctx, value, allowed, 'remove the `"`: keepalived strings cannot contain their own quote');
    }
    if (parts[i].includes('$')) {
      reject(ctx, value, allowed, 'remove the "$": keepalived would expand it as a definition');
    }
  }
  if (parts.length === 1 && BARE.test(value)) return value;
  requireTokenText(value, tokenRule('keepalived', ctx.path, ctx.what));
  return `"${value}"`;
}

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Checks a host (IPv4, IPv6 with or without brackets, DNS name, or a Terraform token) and
 * returns it ready for `host:port`: IPv6 in brackets, tokens untouched.
 */
export function formatHost(host: string, ctx: QuoteContext): string {
  if (isUnresolved(host)) {
    requireTokenText(host, tokenRule('host', ctx.path, ctx.what));
    return host;
  }
  const bare = typeof host === 'string' ? host.replace(/^\[(.*)\]$/, '$1') : host;
  if (typeof bare === 'string') {
    const ip = parseIp(bare);
    if (ip) return ip.version === 6 ? `[${bare}]` : bare;
    if (bare === host && HOST_NAME.test(host)) return host;
  }
  return reject(
    ctx,
    host,
    'an IPv4 or IPv6 address or a DNS name',
    'give the address of the node, e.g. "10.0.0.5", "2001:db8::5" or "web-1.internal"',
  );
}

/**
 * Checks the host of a pool node for nginx or HAProxy and returns it ready for `host:port`: an
 * IP address (IPv6 in brackets), `localhost`, or a Terraform reference that must resolve to an
 * address. DNS names are refused: both daemons resolve them once, when the configuration is
 * loaded, and fail the check (`host not found in upstream`) when a name does not resolve then,
 * and never notice a changed address afterwards.
 */
export function formatNodeHost(host: string, ctx: QuoteContext, daemon: string): string {
  if (isUnresolved(host)) {
    requireTokenText(host, {
      pattern: '^([0-9A-Fa-f:.]+|\\[[0-9A-Fa-f:.]+\\]|localhost)$',
      allowed: 'an IPv4 or IPv6 address',
      path: ctx.path,
      what: ctx.what,
    });
    return host;
  }
  const formatted = formatHost(host, ctx);
  const bare = formatted.replace(/^\[(.*)\]$/, '$1');
  if (parseIp(bare) || bare === 'localhost') return formatted;
  return reject(
    ctx,
    host,
    'an IPv4 or IPv6 address (or "localhost")',
    `give the node's address, e.g. a worker's private address: ${daemon} resolves names only when it loads its configuration, and refuses the whole configuration when one does not resolve`,
  );
}

/**
 * Checks an IP address (or a Terraform token) that a daemon binds to or talks to, and returns it
 * as given.
 */
export function formatAddress(address: string, ctx: QuoteContext): string {
  if (isUnresolved(address)) {
    requireTokenText(address, tokenRule('address', ctx.path, ctx.what));
    return address;
  }
  if (typeof address === 'string' && parseIp(address)) return address;
  return reject(ctx, address, 'an IPv4 or IPv6 address', 'give a literal address, e.g. "10.0.0.5"');
}

/**
 * Checks an absolute file path made of letters, digits and `._/@+-` (or a Terraform token) and
 * returns it: such a path needs no quoting in any dialect.
 */
export function formatFilePath(path: string, ctx: QuoteContext): string {
  if (isUnresolved(path)) {
    requireTokenText(path, tokenRule('filePath', ctx.path, ctx.what));
    return path;
  }
  if (typeof path === 'string' && /^\/[A-Za-z0-9._/@+-]*$/.test(path) && !/(^|\/)\.\.(\/|$)/.test(path)) {
    return path;
  }
  return reject(
    ctx,
    path,
    'an absolute path of letters, digits and ._/@+-',
    'give where the file is on the host, e.g. /etc/ssl/private/site.pem',
  );
}

/**
 * Checks a value that travels as an HTTP header value (a routing rule's expected value, a header
 * the balancer sets): printable ASCII, not empty, no leading or trailing space (HTTP strips
 * those, so such a value could never arrive or match as written).
 */
export function checkHeaderValue(value: string, ctx: QuoteContext): void {
  if (isUnresolved(value)) {
    requireTokenText(value, tokenRule('headerValue', ctx.path, ctx.what));
    return;
  }
  const allowed = 'printable ASCII text, not empty, without leading or trailing spaces';
  if (typeof value !== 'string' || value.length === 0) {
    reject(ctx, value, allowed, 'give the header value; leave the value out to match any value');
  }
  const bad = /[^\x20-\x7e]/.exec(value);
  if (bad) {
    const what = CONTROL.test(bad[0]) ? describeControl(bad[0]) : `the character ${JSON.stringify(bad[0])}`;
    reject(ctx, value, allowed, `remove ${what}: HTTP header values are ASCII (percent-encode other text)`);
  }
  if (/^ | $/.test(value)) {
    reject(ctx, value, allowed, 'remove the leading/trailing spaces: HTTP strips them from header values');
  }
}

/** Checks a URL path prefix of a routing rule (as `BalancerModel` does for listeners). */
export function checkPathPrefix(value: string, ctx: QuoteContext): void {
  if (isUnresolved(value)) return;
  if (typeof value !== 'string' || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(value)) {
    reject(
      ctx,
      value,
      'an absolute URL path such as "/api/" (no spaces, quotes, braces or "?")',
      'start with "/" and percent-encode other characters',
    );
  }
}

/** Checks a host name of a routing rule or a server name: `api.example.org` or `*.example.org`. */
export function checkHostName(value: string, ctx: QuoteContext): void {
  if (isUnresolved(value)) return;
  if (typeof value !== 'string' || !/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(value)) {
    reject(
      ctx,
      value,
      'a DNS name such as "api.example.org" or "*.example.org"',
      'give the host name without scheme, port or path',
    );
  }
}

/** Returns `value` when it is a number known now; a Terraform number token cannot be rendered. */
export function literalNumber(value: number, ctx: QuoteContext): number {
  if (isUnresolved(value) || typeof value !== 'number' || !Number.isFinite(value)) {
    reject(
      ctx,
      value as unknown as string,
      'a number known at synth time',
      'give a literal number; configuration text cannot hold a Terraform number reference',
    );
  }
  return value;
}

/** `30s`, or `500ms` for fractions: the duration syntax nginx and HAProxy share. */
export function formatSeconds(seconds: number): string {
  return Number.isInteger(seconds) ? `${seconds}s` : `${Math.round(seconds * 1000)}ms`;
}
