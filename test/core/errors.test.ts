import { ValidationError, formatValue } from '../../lib/core';

describe('ValidationError', () => {
  it('names the path, what, the value, what is allowed and the fix', () => {
    const err = new ValidationError({
      path: 'stack/web/Balancer',
      what: 'pool port',
      value: 70000,
      allowed: 'an integer from 1 to 65535',
      fix: 'give the port the app listens on',
    });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ValidationError');
    expect(err.message).toBe(
      'stack/web/Balancer: pool port 70000 is not allowed; allowed: an integer from 1 to 65535. Fix: give the port the app listens on',
    );
    expect(err.path).toBe('stack/web/Balancer');
    expect(err.value).toBe(70000);
  });

  it('quotes strings and prints unset values plainly', () => {
    expect(formatValue('a"b')).toBe('"a\\"b"');
    expect(formatValue(undefined)).toBe('(not set)');
    expect(formatValue(['x', 1])).toBe('["x",1]');
  });

  it('prints NaN and infinities as themselves, not as JSON null', () => {
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(formatValue(-Infinity)).toBe('-Infinity');
    expect(formatValue(null)).toBe('null');
    expect(formatValue(0.5)).toBe('0.5');
  });
});
