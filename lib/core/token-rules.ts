import { splitTokens } from './tokens';

/**
 * What a Terraform reference must resolve to where it reaches configuration text.
 *
 * Synth cannot see the value of a reference (a `TerraformVariable`, a worker's address, a
 * generated password), so the renderers that put one into text record the rule its value must
 * satisfy there — the same rule a literal value gets, as a regular expression — and the resource
 * that carries the text (`ConfigDelivery`'s `terraform_data`, a host's instance with its
 * `user_data`) turns each rule into a `lifecycle.precondition`, which Terraform checks at plan
 * time once the value is known (and at apply for values known only then). A value that would
 * rewrite a daemon's configuration (`10.0.0.9:80; } server { …`) or break out of a shell quote
 * (`x'; touch pwned; echo '`) stops the plan instead of reaching a host.
 */
export interface TokenTextRule {
  /**
   * The whole resolved value must match this regular expression. It is written in the syntax
   * shared by RE2 (Terraform's `regex`) and JavaScript, anchored with `^…$`.
   */
  readonly pattern: string;
  /** What is allowed, for the error message. */
  readonly allowed: string;
  /** Model or construct path of the value, for the error message. */
  readonly path: string;
  /** What the value is, for the error message. */
  readonly what: string;
}

/** Printable text without control characters. */
const NO_CONTROL = '\\x00-\\x1f\\x7f';

/** The value patterns the renderers use, one per way of carrying a value. */
export const TOKEN_PATTERNS = {
  /** A bare word every dialect reads as one word (nginx, HAProxy, keepalived, shell). */
  word: '^[A-Za-z0-9._/:@+=,-]*$',
  /** An IPv4/IPv6 address or a DNS name, as a node host or a `server` address. */
  host: '^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\\[?[0-9A-Fa-f:.]+\\]?)$',
  /** A literal IPv4 or IPv6 address. */
  address: '^[0-9A-Fa-f:.]+$',
  /** An absolute path of letters, digits and `._/@+-`. */
  filePath: '^/[A-Za-z0-9._/@+-]*$',
  /** Inside double quotes with backslash escapes (nginx, Redis, YAML): no `"`, `\` or control characters. */
  doubleQuoted: `^[^${NO_CONTROL}"\\\\]*$`,
  /** Inside nginx double quotes where `$name` expands: also no `$`. */
  doubleQuotedNoVariables: `^[^${NO_CONTROL}"\\\\$]*$`,
  /** Inside single quotes (HAProxy strong quoting, shell): no `'` or control characters. */
  singleQuoted: `^[^${NO_CONTROL}']*$`,
  /** The environment file (sh and systemd) inside the YAML cloud-config: no quotes, backslash or control characters. */
  envValue: `^[^${NO_CONTROL}'"\\\\]*$`,
  /** keepalived strings: printable ASCII without `"` and `$`. */
  keepalived: '^[\\x20\\x21\\x23\\x25-\\x7e]*$',
  /** An HTTP header value: printable ASCII. */
  headerValue: '^[\\x20-\\x7e]*$',
} as const;

/** What each pattern allows, in words. */
export const TOKEN_PATTERN_ALLOWED: Record<keyof typeof TOKEN_PATTERNS, string> = {
  word: 'one word of letters, digits and ._/:@+=,-',
  host: 'an IPv4 or IPv6 address or a DNS name',
  address: 'an IPv4 or IPv6 address',
  filePath: 'an absolute path of letters, digits and ._/@+-',
  doubleQuoted: 'one line of text without `"` or `\\`',
  doubleQuotedNoVariables: 'one line of text without `"`, `\\` or `$`',
  singleQuoted: "one line of text without `'`",
  envValue: 'one line of text without `\'`, `"` or `\\`',
  keepalived: 'printable ASCII without `"` and `$`',
  headerValue: 'printable ASCII',
};

/** A rule from a named pattern. */
export function tokenRule(kind: keyof typeof TOKEN_PATTERNS, path: string, what: string): TokenTextRule {
  return { pattern: TOKEN_PATTERNS[kind], allowed: TOKEN_PATTERN_ALLOWED[kind], path, what };
}

function sameRule(a: TokenTextRule, b: TokenTextRule): boolean {
  return a.pattern === b.pattern && a.path === b.path && a.what === b.what;
}

/**
 * The rules recorded for one token, and the same rules by path: a worker's address reaches every
 * pool file (one rule per pool), and every render records them again, so a new rule is compared
 * with the few of its own path only (recording stays linear in the number of pools).
 */
interface RecordedRules {
  readonly rules: TokenTextRule[];
  readonly byPath: Map<string, TokenTextRule[]>;
}

const recorded = new Map<string, RecordedRules>();

/**
 * Records that every Terraform reference in `value` must resolve to text matching `rule` (a
 * no-op for text without references). Called by the quoting functions of `lib/config`.
 */
export function requireTokenText(value: unknown, rule: TokenTextRule): void {
  if (typeof value !== 'string') return;
  const parts = splitTokens(value);
  for (let i = 1; i < parts.length; i += 2) {
    let list = recorded.get(parts[i]);
    if (!list) {
      list = { rules: [], byPath: new Map() };
      recorded.set(parts[i], list);
    }
    const samePath = list.byPath.get(rule.path);
    if (samePath?.some((r) => sameRule(r, rule))) continue;
    if (samePath) samePath.push(rule);
    else list.byPath.set(rule.path, [rule]);
    list.rules.push(rule);
  }
}

/** One reference in carried text and the rules its value must satisfy. */
export interface TokenInText {
  /** The token marker. */
  readonly token: string;
  /** Its rules (at least one). */
  readonly rules: readonly TokenTextRule[];
}

/**
 * The references in `texts` with the rules recorded for them; a reference no renderer recorded
 * gets `fallback` (unless it is a whole text by itself: a file whose content is a reference),
 * and every reference also gets `carrier` (the rule of the text that carries them all, e.g. a
 * YAML double-quoted scalar), when given.
 */
export function tokensInText(
  texts: readonly string[],
  fallback: TokenTextRule,
  carrier?: TokenTextRule,
): TokenInText[] {
  // Per token: its rules so far, and which of own, fallback and carrier were added already.
  // Each is added once (a token in P pool files is read P times, its own rules once); the own
  // rules are distinct already, so only fallback and carrier are compared with the others.
  const state = new Map<
    string,
    { rules: TokenTextRule[]; own: boolean; fallback: boolean; carrier: boolean }
  >();
  const found = new Map<string, TokenTextRule[]>();
  for (const text of texts) {
    if (typeof text !== 'string') continue;
    const parts = splitTokens(text);
    const whole = parts.length === 3 && parts[0] === '' && parts[2] === '';
    for (let i = 1; i < parts.length; i += 2) {
      const token = parts[i];
      let s = state.get(token);
      if (!s) {
        s = { rules: [], own: false, fallback: false, carrier: false };
        state.set(token, s);
      }
      const own = recorded.get(token);
      if (own) {
        // A token has its own rules at every occurrence or at none: this is its first.
        if (!s.own) {
          s.own = true;
          for (const r of own.rules) s.rules.push(r);
        }
      } else if (!whole && !s.fallback) {
        s.fallback = true;
        if (!s.rules.some((x) => sameRule(x, fallback))) s.rules.push(fallback);
      }
      if (carrier && !s.carrier) {
        s.carrier = true;
        if (!s.rules.some((x) => sameRule(x, carrier))) s.rules.push(carrier);
      }
      if (s.rules.length && !found.has(token)) found.set(token, s.rules);
    }
  }
  return [...found.entries()].map(([token, rules]) => ({ token, rules }));
}
