import fc from 'fast-check';
import {
  checkHeaderValue,
  formatHost,
  haproxyLogFormatQuote,
  haproxyQuote,
  keepalivedQuote,
  nginxQuote,
  pcreLiteral,
} from '../../lib/config/quote';
import { ValidationError } from '../../lib/core/errors';
import { nastyString, wellFormed } from './quote-arbitraries';

/**
 * Properties of the quoting functions on any string. What a daemon really reads back is proven
 * with the daemons themselves (nginx-quoting, haproxy-quoting and keepalived tests); here each
 * function is held to its own contract: it returns one word that decodes to the input, or throws
 * a ValidationError, and never anything else.
 */

const ctx = { path: 'test', what: 'value' };

const nasty = nastyString();
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** `fn(value)`, or the ValidationError it threw; any other exception fails the property. */
function attempt(fn: () => string): string | ValidationError {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
}

/** nginx's reading of one argument as we write it: bare, or "…" with \\ and \" escapes. */
function nginxRead(word: string): string {
  if (!word.startsWith('"')) return word;
  expect(word.endsWith('"')).toBe(true);
  return word.slice(1, -1).replace(/\\(["\\])/g, '$1');
}

/** HAProxy's reading of one word as we write it: bare, or '…' parts joined by \'. */
function haproxyRead(word: string): string {
  if (!word.startsWith("'")) return word;
  return word
    .split("'\\''")
    .map((part, i, all) => {
      let p = part;
      if (i === 0) p = p.slice(1);
      if (i === all.length - 1) p = p.slice(0, -1);
      return p;
    })
    .join("'");
}

describe('quoting properties (fast-check)', () => {
  it('GIVEN any string WHEN nginx-quoted THEN it is one word that reads back to itself, or a ValidationError', () => {
    fc.assert(
      fc.property(nasty, fc.boolean(), (value, variables) => {
        const out = attempt(() => nginxQuote(value, { ...ctx, variables }));
        if (out instanceof ValidationError) {
          expect(CONTROL.test(value) || (variables && value.includes('$')) || !wellFormed(value)).toBe(true);
          return;
        }
        expect(out).not.toMatch(CONTROL);
        expect(nginxRead(out)).toBe(value);
        // Outside quotes only plain word characters remain.
        if (!out.startsWith('"')) expect(out).toMatch(/^[A-Za-z0-9._/:@+=,-]+$/);
      }),
      { numRuns: 2000 },
    );
  });

  it('GIVEN any string WHEN HAProxy-quoted THEN it is one word that reads back to itself, or a ValidationError', () => {
    fc.assert(
      fc.property(nasty, (value) => {
        const out = attempt(() => haproxyQuote(value, ctx));
        if (out instanceof ValidationError) {
          expect(CONTROL.test(value) || !wellFormed(value)).toBe(true);
          return;
        }
        expect(haproxyRead(out)).toBe(value);
        if (!out.startsWith("'")) expect(out).toMatch(/^[A-Za-z0-9._/:@+=,-]+$/);
      }),
      { numRuns: 2000 },
    );
  });

  it('GIVEN any string WHEN quoted for an HAProxy log-format THEN every "%" is doubled inside one strong-quoted word', () => {
    fc.assert(
      fc.property(nasty, (value) => {
        const out = attempt(() => haproxyLogFormatQuote(value, ctx));
        if (out instanceof ValidationError) return;
        expect(haproxyRead(out)).toBe(value.replace(/%/g, '%%'));
      }),
      { numRuns: 1000 },
    );
  });

  it('GIVEN any string WHEN keepalived-quoted THEN it is bare or in quotes with no quote, "$" or non-ASCII inside, or a ValidationError', () => {
    fc.assert(
      fc.property(nasty, (value) => {
        const out = attempt(() => keepalivedQuote(value, ctx));
        if (out instanceof ValidationError) {
          expect(/["$]|[^\x20-\x7e]/.test(value)).toBe(true);
          return;
        }
        expect(out === value || out === `"${value}"`).toBe(true);
        expect(value).toMatch(/^[\x20-\x7e]*$/);
        expect(value).not.toMatch(/["$]/);
      }),
      { numRuns: 2000 },
    );
  });

  it('GIVEN any literal around a Terraform token WHEN quoted THEN the token marker passes through untouched', () => {
    const marker = '${TfToken[TOKEN.17]}';
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme-ascii', maxLength: 8 }),
        fc.string({ unit: 'grapheme-ascii', maxLength: 8 }),
        (a, b) => {
          const value = `${a}${marker}${b}`;
          for (const quote of [
            () => nginxQuote(value, { ...ctx, variables: false }),
            () => haproxyQuote(value, ctx),
            () => keepalivedQuote(value, ctx),
          ]) {
            const out = attempt(quote);
            if (out instanceof ValidationError) continue;
            expect(out).toContain(marker);
          }
          // "$" inside the marker is not a variable: only literal text is judged.
          expect(nginxQuote(marker, { ...ctx, variables: true })).toBe(`"${marker}"`);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('GIVEN any string WHEN escaped for PCRE THEN the regex matches exactly that string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 16 }), (value) => {
        const regex = new RegExp(`^${pcreLiteral(value)}$`);
        expect(regex.test(value)).toBe(true);
        expect(regex.test(`${value}x`)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('GIVEN any string WHEN checked as a header value THEN only non-empty printable ASCII without outer spaces passes', () => {
    fc.assert(
      fc.property(nasty, (value) => {
        const ok = !(attempt(() => (checkHeaderValue(value, ctx), '')) instanceof ValidationError);
        expect(ok).toBe(/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('quoting examples', () => {
  it('GIVEN plain words WHEN quoted THEN they stay bare', () => {
    expect(nginxQuote('10.0.0.5:8080', ctx)).toBe('10.0.0.5:8080');
    expect(haproxyQuote('/health', ctx)).toBe('/health');
    expect(keepalivedQuote('s3cret', ctx)).toBe('s3cret');
  });

  it('GIVEN special characters WHEN quoted THEN each dialect uses its own quoting', () => {
    expect(nginxQuote('a "b";{c}', ctx)).toBe('"a \\"b\\";{c}"');
    expect(haproxyQuote("it's #1", ctx)).toBe("'it'\\''s #1'");
    expect(keepalivedQuote('a b#c', ctx)).toBe('"a b#c"');
  });

  it('rejects a newline in an nginx value', () => {
    expect(() => nginxQuote('a\nb', ctx)).toThrow(
      'test: value "a\\nb" is not allowed; allowed: text without control characters (newline, tab, …). Fix: remove a newline: nginx configuration cannot carry it in a value',
    );
  });

  it('rejects a "$" where nginx expands variables', () => {
    expect(() => nginxQuote('$host', { ...ctx, variables: true })).toThrow(
      'test: value "$host" is not allowed; allowed: text without control characters and without "$" (nginx expands $name here). Fix: remove the "$": nginx would read it as the start of a variable, and has no escape for it',
    );
  });

  it('rejects a lone surrogate (not valid Unicode)', () => {
    expect(() => haproxyQuote('a\ud800', ctx)).toThrow(
      'Fix: the text is not valid Unicode (a lone surrogate); fix its encoding',
    );
  });

  it('rejects a host that is neither an address nor a DNS name', () => {
    expect(() => formatHost('10.0.0.1 down', ctx)).toThrow(
      'test: value "10.0.0.1 down" is not allowed; allowed: an IPv4 or IPv6 address or a DNS name. Fix: give the address of the node, e.g. "10.0.0.5", "2001:db8::5" or "web-1.internal"',
    );
    expect(formatHost('2001:db8::5', ctx)).toBe('[2001:db8::5]');
    expect(formatHost('[2001:db8::5]', ctx)).toBe('[2001:db8::5]');
  });
});
