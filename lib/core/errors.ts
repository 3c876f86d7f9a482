/** What a {@link ValidationError} reports: where, what, the value, what is allowed, and the fix. */
export interface ValidationErrorDetails {
  /** Construct path (`stack/web/Balancer`) or model path (`nginx upstream 'web'`) of the mistake. */
  readonly path: string;
  /** The property or concept that is wrong, e.g. `pool port` or `algorithm`. */
  readonly what: string;
  /** The value that was given (printed with JSON quoting). */
  readonly value: unknown;
  /** The values or range that are allowed. */
  readonly allowed: string;
  /** What the user should do instead. */
  readonly fix: string;
}

/**
 * A mistake in user input, found at synth time (never at `terraform apply`).
 *
 * The message reads: `<path>: <what> <value> is not allowed; allowed: <allowed>. Fix: <fix>`.
 */
export class ValidationError extends Error {
  /** Where the mistake is. */
  public readonly path: string;
  /** What is wrong. */
  public readonly what: string;
  /** The offending value. */
  public readonly value: unknown;
  /** What is allowed. */
  public readonly allowed: string;
  /** How to fix it. */
  public readonly fix: string;

  constructor(details: ValidationErrorDetails) {
    super(
      `${details.path}: ${details.what} ${formatValue(details.value)} is not allowed; ` +
        `allowed: ${details.allowed}. Fix: ${details.fix}`,
    );
    this.name = 'ValidationError';
    this.path = details.path;
    this.what = details.what;
    this.value = details.value;
    this.allowed = details.allowed;
    this.fix = details.fix;
  }
}

/** Prints a value for an error message: strings quoted, everything else as JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '(not set)';
  if (typeof value === 'string') return JSON.stringify(value);
  // JSON would print NaN and Infinity as `null`, hiding what the user gave.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json;
  } catch {
    return String(value);
  }
}
