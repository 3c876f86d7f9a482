import fc from 'fast-check';

/** Strings rich in what configuration languages treat specially, plus any Unicode at all. */
export const nastyString = (maxLength = 16) =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme-ascii', maxLength }),
    fc.string({
      unit: fc.constantFrom(...'"\'\\$;{}#~^ \t\n\r%()[]*+?.|/=,:@!`&<>-_aZ0'.split('')),
      maxLength,
    }),
  );

/** False for text with a lone UTF-16 surrogate (it cannot be written as UTF-8). */
export function wellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}
