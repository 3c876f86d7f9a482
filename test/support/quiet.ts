/**
 * Every test file runs with this (jest.config.js `setupFilesAfterEnv`): a `console.warn` that a
 * test did not ask for fails that test, so `npm test` stays free of cdktf's warnings and their
 * stack traces. Where a warning is the point, assert it with `expectWarnings` (./warnings).
 */
const unexpected: string[] = [];
const originalWarn = console.warn;

beforeEach(() => {
  unexpected.length = 0;
  console.warn = (...args: unknown[]) => {
    unexpected.push(args.map(String).join(' '));
  };
});

afterEach(() => {
  console.warn = originalWarn;
  if (unexpected.length) {
    const text = unexpected.map((w) => `  - ${w.split('\n')[0]}`).join('\n');
    unexpected.length = 0;
    throw new Error(
      `console.warn was called and the test did not expect it (assert it with expectWarnings from test/support/warnings, or fix the cause):\n${text}`,
    );
  }
});
