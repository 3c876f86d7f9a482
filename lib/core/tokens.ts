/**
 * Recognising cdktf token markers without importing cdktf, so the pure renderers in
 * `lib/config` can pass Terraform references through untouched (DESIGN decision 6).
 *
 * cdktf encodes an unresolved string as `${TfToken[TOKEN.<n>]}`, a list element as
 * `#{TfToken[TOKEN.<n>]}`, and a number as a very large negative double.
 */
const TOKEN_MARKER = /[$#]\{TfToken\[[^\]]+\]\}/;
const TOKEN_MARKER_GLOBAL = /[$#]\{TfToken\[[^\]]+\]\}/g;

/**
 * cdktf encodes a number token as a double whose top 16 bits (sign and exponent) are 0xfdff, and
 * an element of a number-list token with 0xfbff; the rest carries the token's index.
 */
const NUMBER_TOKEN_MARKERS = [0xfdff, 0xfbff];

/** One 8-byte scratch view, reused: reading a double's top bits allocates nothing per call. */
const SCRATCH = new DataView(new ArrayBuffer(8));

function isNumberToken(value: number): boolean {
  SCRATCH.setFloat64(0, value);
  return NUMBER_TOKEN_MARKERS.includes(SCRATCH.getUint16(0));
}

/** True when `value` is or contains an unresolved Terraform token. */
export function isUnresolved(value: unknown): boolean {
  if (typeof value === 'string') return TOKEN_MARKER.test(value);
  if (typeof value === 'number') return isNumberToken(value);
  if (Array.isArray(value)) return value.length === 1 && isUnresolved(value[0]);
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { resolve?: unknown }).resolve === 'function'
  );
}

/**
 * Splits text into literal parts and token markers, in order. Literal parts are at even
 * indexes, markers at odd ones (the array always has an odd length).
 */
export function splitTokens(text: string): string[] {
  const parts: string[] = [];
  let last = 0;
  for (const match of text.matchAll(TOKEN_MARKER_GLOBAL)) {
    parts.push(text.slice(last, match.index), match[0]);
    last = (match.index ?? 0) + match[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}

/** Applies `fn` to the literal parts of `text`, leaving token markers as they are. */
export function mapLiterals(text: string, fn: (literal: string) => string): string {
  return splitTokens(text)
    .map((part, i) => (i % 2 === 0 ? fn(part) : part))
    .join('');
}
