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

/** Rules with a set of their keys, so that adding one more is one look-up, not a scan. */
interface RuleList {
  readonly rules: TokenTextRule[];
  readonly keys: Set<string>;
}

/** One key per (pattern, path, what): two rules are the same rule when all three are. */
function ruleKey(rule: TokenTextRule): string {
  return JSON.stringify([rule.pattern, rule.path, rule.what]);
}

function addRule(list: RuleList, rule: TokenTextRule): void {
  const key = ruleKey(rule);
  if (list.keys.has(key)) return;
  list.keys.add(key);
  list.rules.push(rule);
}

/**
 * Token marker → the rules recorded for it. A worker's address reaches every pool file (one rule
 * per pool): lists and look-ups keep recording and reading it linear in the number of pools.
 */
const recorded = new Map<string, RuleList>();

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
      list = { rules: [], keys: new Set() };
      recorded.set(parts[i], list);
    }
    addRule(list, rule);
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
  // Per token: its rules so far, and which of own, fallback and carrier were added already
  // (each is added once: a token in P pool files is read P times, its own rules once).
  const state = new Map<string, RuleList & { own: boolean; fallback: boolean; carrier: boolean }>();
  const found = new Map<string, TokenTextRule[]>();
  for (const text of texts) {
    if (typeof text !== 'string') continue;
    const parts = splitTokens(text);
    const whole = parts.length === 3 && parts[0] === '' && parts[2] === '';
    for (let i = 1; i < parts.length; i += 2) {
      const token = parts[i];
      let s = state.get(token);
      if (!s) {
        s = { rules: [], keys: new Set(), own: false, fallback: false, carrier: false };
        state.set(token, s);
      }
      const own = recorded.get(token);
      if (own) {
        if (!s.own) {
          s.own = true;
          for (const r of own.rules) addRule(s, r);
        }
      } else if (!whole && !s.fallback) {
        s.fallback = true;
        addRule(s, fallback);
      }
      if (carrier && !s.carrier) {
        s.carrier = true;
        addRule(s, carrier);
      }
      if (s.rules.length && !found.has(token)) found.set(token, s.rules);
    }
  }
  return [...found.entries()].map(([token, rules]) => ({ token, rules }));
}
