import { ValidationError } from '../../lib/core/errors';

/** Runs `fn`, asserts it throws a `ValidationError`, and returns that error. */
export function rejectionOf(fn: () => unknown): ValidationError {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

/**
 * Runs `fn` and asserts it throws exactly one `ValidationError` whose message is `message`
 * (the whole text: construct path, what, value, what is allowed, the fix).
 */
export function expectRejected(fn: () => unknown, message: string): void {
  expect(rejectionOf(fn).message).toBe(message);
}
