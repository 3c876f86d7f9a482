/**
 * Reading Terraform template text back out of a synthesized stack, without cdktf.
 *
 * A string attribute of `cdk.tf.json` is a Terraform template: `${expr}` interpolates, `%{…}` is a
 * directive, and `$${` / `%%{` are the escapes for a literal `${` / `%{` (DESIGN decision 6).
 * `webfarm configs` splits such text into literal parts (escapes undone) and interpolations so it
 * can put a documentation placeholder where each reference will be.
 */

/** Literal text (Terraform escapes already undone). */
export interface LiteralPart {
  /** Discriminator. */
  readonly kind: 'literal';
  /** The text as it will land. */
  readonly text: string;
}

/** A `${…}` interpolation: a Terraform expression whose value is only known at apply. */
export interface InterpolationPart {
  /** Discriminator. */
  readonly kind: 'interpolation';
  /** The whole interpolation as written, `${` and `}` included: the reference's stable key. */
  readonly source: string;
  /** The expression between `${` and `}`, trimmed. */
  readonly expression: string;
}

/**
 * A `%{…}` template directive. webfarm never writes one unescaped, so one found here came from
 * elsewhere; it is kept as written, since only Terraform can evaluate it.
 */
export interface DirectivePart {
  /** Discriminator. */
  readonly kind: 'directive';
  /** The directive as written. */
  readonly source: string;
}

/** One piece of a parsed template. */
export type TemplatePart = LiteralPart | InterpolationPart | DirectivePart;

/**
 * Splits Terraform template text into literal parts, interpolations and directives, in order.
 * Interpolations may nest braces, quoted strings (with `\"` escapes and `}` inside) and inner
 * string templates. An unterminated `${` is kept as literal text.
 */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if ((c === '$' || c === '%') && text[i + 1] === c && text[i + 2] === '{') {
      literal += `${c}{`;
      i += 3;
      continue;
    }
    if ((c === '$' || c === '%') && text[i + 1] === '{') {
      const end = scanExpression(text, i + 2);
      if (end < 0) {
        literal += text.slice(i);
        break;
      }
      const source = text.slice(i, end);
      const constant = c === '$' ? stringLiteralValue(text.slice(i + 2, end - 1).trim()) : undefined;
      if (constant !== undefined) {
        // `${"$"}`: how webfarm spells a literal `$` right before a reference (lib/core/escape).
        literal += constant;
        i = end;
        continue;
      }
      if (literal) parts.push({ kind: 'literal', text: literal });
      literal = '';
      parts.push(
        c === '$'
          ? { kind: 'interpolation', source, expression: text.slice(i + 2, end - 1).trim() }
          : { kind: 'directive', source },
      );
      i = end;
      continue;
    }
    literal += c;
    i += 1;
  }
  if (literal) parts.push({ kind: 'literal', text: literal });
  return parts;
}

/**
 * Renders parsed template text: literals as they land, each interpolation replaced by
 * `replace(part)`, directives kept as written.
 */
export function renderTemplate(
  parts: readonly TemplatePart[],
  replace: (part: InterpolationPart) => string,
): string {
  return parts
    .map((part) =>
      part.kind === 'literal' ? part.text : part.kind === 'interpolation' ? replace(part) : part.source,
    )
    .join('');
}

/** Every distinct interpolation (its `${…}` source) in `text`, in order of first appearance. */
export function interpolationsIn(text: string): string[] {
  const seen = new Set<string>();
  for (const part of parseTemplate(text)) {
    if (part.kind === 'interpolation') seen.add(part.source);
  }
  return [...seen];
}

const HCL_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/**
 * The value of an expression that is a plain quoted HCL string (`"$"`, `"a\"b"`), or undefined
 * when it is anything else (a reference, a function call, a string with interpolations).
 */
export function stringLiteralValue(expression: string): string | undefined {
  if (expression.length < 2 || !expression.startsWith('"') || !expression.endsWith('"')) return undefined;
  let value = '';
  let i = 1;
  const end = expression.length - 1;
  while (i < end) {
    const c = expression[i];
    if (c === '"') return undefined;
    if (c === '\\') {
      const next = expression[i + 1];
      if (next === 'u' || next === 'U') {
        const digits = next === 'u' ? 4 : 8;
        const hex = expression.slice(i + 2, i + 2 + digits);
        if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== digits) return undefined;
        value += String.fromCodePoint(parseInt(hex, 16));
        i += 2 + digits;
        continue;
      }
      if (next === undefined || HCL_ESCAPES[next] === undefined || i + 1 >= end) return undefined;
      value += HCL_ESCAPES[next];
      i += 2;
      continue;
    }
    if ((c === '$' || c === '%') && expression[i + 1] === c && expression[i + 2] === '{') {
      value += `${c}{`;
      i += 3;
      continue;
    }
    if ((c === '$' || c === '%') && expression[i + 1] === '{') return undefined;
    value += c;
    i += 1;
  }
  return value;
}

/** Index just after the `}` closing an expression that starts at `start`, or -1. */
function scanExpression(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i = scanQuoted(text, i + 1);
      if (i < 0) return -1;
      continue;
    }
    if (c === '{') depth += 1;
    else if (c === '}') {
      if (depth === 0) return i + 1;
      depth -= 1;
    }
    i += 1;
  }
  return -1;
}

/** Index just after the `"` closing a quoted template string whose body starts at `start`, or -1. */
function scanQuoted(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '"') return i + 1;
    if ((c === '$' || c === '%') && text[i + 1] === c && text[i + 2] === '{') {
      i += 3;
      continue;
    }
    if ((c === '$' || c === '%') && text[i + 1] === '{') {
      i = scanExpression(text, i + 2);
      if (i < 0) return -1;
      continue;
    }
    i += 1;
  }
  return -1;
}
