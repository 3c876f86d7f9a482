/**
 * Errors of the run-time client. They name the balancer, what was wrong, the value, what is
 * allowed and the fix, like the synth-time `ValidationError` (this module stays free of
 * lib/core so that it loads without cdktf or constructs).
 */

/** What a {@link RuntimeInputError} reports. */
export interface RuntimeInputErrorDetails {
  /** The balancer (or the CLI option) the mistake belongs to. */
  readonly path: string;
  /** What is wrong, e.g. `node` or `pool name`. */
  readonly what: string;
  /** The value that was given. */
  readonly value: unknown;
  /** What is allowed. */
  readonly allowed: string;
  /** What to do instead. */
  readonly fix: string;
}

/**
 * Bad input to a run-time call (a node, a pool name, a host setting). Thrown before any host is
 * contacted: nothing has changed.
 */
export class RuntimeInputError extends Error {
  /** Where. */
  public readonly path: string;
  /** What. */
  public readonly what: string;
  /** The offending value. */
  public readonly value: unknown;
  /** What is allowed. */
  public readonly allowed: string;
  /** The fix. */
  public readonly fix: string;

  constructor(details: RuntimeInputErrorDetails) {
    super(
      `${details.path}: ${details.what} ${JSON.stringify(details.value)} is not allowed; allowed: ${details.allowed}. Fix: ${details.fix}`,
    );
    this.name = 'RuntimeInputError';
    this.path = details.path;
    this.what = details.what;
    this.value = details.value;
    this.allowed = details.allowed;
    this.fix = details.fix;
  }
}

/** One host's failure: it could not be reached, refused the login, or refused the change. */
export class HostError extends Error {
  /** The host's name. */
  public readonly host: string;
  /** Whether the host may have changed (false: it is as it was). */
  public readonly changed: boolean;

  /**
   * @param host the host's name
   * @param message what happened, with the host's own words (ssh, nginx -t, the HAProxy CLI)
   * @param changed whether the host may have changed
   */
  constructor(host: string, message: string, changed = false) {
    super(`${host}: ${message}`);
    this.name = 'HostError';
    this.host = host;
    this.changed = changed;
  }
}

/** The outcome of a call on one host of a balancer with several hosts. */
export interface HostOutcome {
  /** The host's name. */
  readonly host: string;
  /** `done`, or `failed` with the error. */
  readonly status: 'done' | 'failed';
  /** The error of a failed host. */
  readonly error?: HostError;
}

/**
 * A change that reached some hosts of a balancer and not others (after the retries): the hosts
 * now differ, and the message says which. Repeat the same call (it is idempotent) once the
 * failed hosts are back; `getNodes` refuses to answer for a diverged pool until then.
 */
export class PartialFailureError extends Error {
  /** The balancer's name. */
  public readonly balancer: string;
  /** Every host's outcome. */
  public readonly outcomes: readonly HostOutcome[];

  /**
   * @param balancer the balancer's name
   * @param operation `add` or `delete`, with the pool
   * @param outcomes every host's outcome
   */
  constructor(balancer: string, operation: string, outcomes: readonly HostOutcome[]) {
    const done = outcomes.filter((o) => o.status === 'done').map((o) => o.host);
    const failed = outcomes.filter((o) => o.status === 'failed');
    super(
      `${balancer}: ${operation} reached ${done.length} of ${outcomes.length} hosts` +
        `${done.length ? ` (done: ${done.join(', ')})` : ''}; failed: ` +
        failed.map((o) => o.error?.message ?? o.host).join('; ') +
        (done.length
          ? '. The hosts now differ: repeat the same call (it is idempotent) when the failed hosts are back'
          : '. Nothing changed'),
    );
    this.name = 'PartialFailureError';
    this.balancer = balancer;
    this.outcomes = outcomes;
  }

  /** The hosts that failed. */
  public get failedHosts(): string[] {
    return this.outcomes.filter((o) => o.status === 'failed').map((o) => o.host);
  }
}

/** The hosts of a balancer hold different nodes for one pool. */
export class DivergedPoolError extends Error {
  /** The balancer's name. */
  public readonly balancer: string;
  /** The pool. */
  public readonly pool: string;
  /** Each host's nodes. */
  public readonly byHost: Readonly<Record<string, readonly string[]>>;

  /**
   * @param balancer the balancer's name
   * @param pool the pool
   * @param byHost each host's nodes
   */
  constructor(balancer: string, pool: string, byHost: Readonly<Record<string, readonly string[]>>) {
    super(
      `${balancer}: pool '${pool}' differs between hosts (${Object.entries(byHost)
        .map(([h, n]) => `${h}: [${n.join(', ')}]`)
        .join(
          '; ',
        )}). Fix: repeat the add or delete that failed on some host, so every host holds the same nodes`,
    );
    this.name = 'DivergedPoolError';
    this.balancer = balancer;
    this.pool = pool;
    this.byHost = byHost;
  }
}
