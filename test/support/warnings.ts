/**
 * Runs `fn` and returns what it wrote with `console.warn` (one string per call), printing none
 * of it: for the tests whose point is a warning (test/support/quiet.ts fails every other one).
 */
export function expectWarnings<T>(fn: () => T): { result: T; warnings: string[] } {
  const saved = console.warn;
  const warnings: string[] = [];
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  };
  try {
    return { result: fn(), warnings };
  } finally {
    console.warn = saved;
  }
}
