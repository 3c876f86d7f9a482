/**
 * Markdown that renders on GitHub whatever the values contain: code spans that survive
 * backticks and table pipes, escaped plain text, Mermaid labels, bounded lengths.
 */

/** Longest shown attribute value or cell text, in characters. */
export const MAX_VALUE_CHARS = 80;

/** Cuts `text` to `max` characters, ending in `…` when cut. */
export function truncate(text: string, max: number = MAX_VALUE_CHARS): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * An inline code span for `text` (on one line, bounded): the fence is longer than any run of
 * backticks inside, and `|` is escaped so the span can sit in a table cell.
 */
export function code(text: string, max: number = MAX_VALUE_CHARS): string {
  const one = truncate(text.replace(/\r?\n/g, '⏎'), max);
  const longest = Math.max(0, ...(one.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = one.startsWith('`') || one.endsWith('`') || one === '' ? ' ' : '';
  return `${fence}${pad}${one.replace(/\|/g, '\\|')}${pad}${fence}`;
}

/** Plain text made inert: Markdown and HTML punctuation escaped, on one line. */
export function escapeText(text: string): string {
  return text
    .replace(/\r?\n/g, ' ')
    .replace(/[\\`*_[\]<>|#~]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`));
}

/** A Mermaid node or edge label: quotes and angle brackets as entities (`<br/>` is added by callers). */
export function mermaidLabel(text: string): string {
  return truncate(text.replace(/\r?\n/g, ' '), 60)
    .replace(/&/g, '#amp;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/`/g, '#96;')
    .replace(/\|/g, '#124;');
}

/** A code fence (for a block) longer than any backtick run in `body`. */
export function fenceFor(body: string): string {
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(longest + 1);
}

const SECRET_LINE =
  /^(\s*(?:(?!(?:proxy|fastcgi|uwsgi|scgi|grpc|memcached)_pass\b)[\w.-]*?(?:pass(?:word|wd)?|secret|token|private[_-]?key|requirepass|masterauth)\b["']?\s*[:=]?\s*|user\s+\S+\s+(?:insecure-)?password\s+|stats\s+auth\s+))(\S.*)$/i;

/**
 * A line of a configuration file as it may be shown: the value after a password, secret, token
 * or private-key keyword is replaced by `(sensitive)`, as is any PEM private key line.
 */
export function maskSecretLine(line: string): string {
  if (/PRIVATE KEY-----|^[A-Za-z0-9+/=]{60,}$/.test(line.trim())) return '(sensitive)';
  const m = SECRET_LINE.exec(line);
  return m ? `${m[1]}(sensitive)` : line;
}

/** True when an attribute name says it holds a secret. */
export function isSecretName(name: string): boolean {
  return /(^|_)(pass(word)?|admin_pass|secret|token|private_key|key_material|result)($|_)/i.test(name);
}

/** Rows shown per table before "… more". */
export const MAX_ROWS = 60;

/** A Markdown table of at most `maxRows` rows, then "… N more". */
export function table(
  header: string[],
  rows: string[][],
  more: string,
  maxRows: number = MAX_ROWS,
): string[] {
  const shown = rows.slice(0, maxRows);
  const out = [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`];
  for (const r of shown) out.push(`| ${r.join(' | ')} |`);
  if (rows.length > shown.length) out.push('', `_… ${rows.length - shown.length} more ${more}_`);
  return out;
}

/** `1 stack`, `2 stacks`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : /(s|sh|ch|x)$/.test(word) ? 'es' : 's'}`;
}

const COLLATOR = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/** Natural order: `api-2` before `api-10`, then plain code-point order for ties. */
export function naturalCompare(a: string, b: string): number {
  return COLLATOR.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * A construct path of at most `max` characters, shortened by whole leading segments
 * (`…/Hosts/FloatingIp`), never cut inside a segment unless the last one alone is too long.
 */
export function shortPath(path: string, max = 60): string {
  if ([...path].length <= max) return path;
  const parts = path.split('/');
  let out = parts[parts.length - 1];
  for (let i = parts.length - 2; i >= 0; i -= 1) {
    const next = `${parts[i]}/${out}`;
    if ([...next].length + 2 > max) break;
    out = next;
  }
  return `…/${out}`;
}
