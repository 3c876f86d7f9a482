import { ValidationError } from '../../lib/core/errors';

/**
 * Runs `fn` and asserts it throws exactly one `ValidationError` whose message is `message`
 * (the whole text: construct path, what, value, what is allowed, the fix).
 */
export function expectRejected(fn: () => unknown, message: string): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as Error).message).toBe(message);
}
