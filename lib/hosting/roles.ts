import { ValidationError } from '../core/errors';
import { checkObject } from '../core/validate';
import { checkEnvName, checkEnvValue } from './env-file';

/**
 * Environment that differs on exactly one node of a group: the primary. The seed VISA platform
 * runs its scheduler and its start-up cleanup on one node only:
 *
 * ```ts
 * roles: {
 *   primaryEnvironment: { VISA_SCHEDULER_ENABLED: 'true', VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP: 'true' },
 *   secondaryEnvironment: { VISA_SCHEDULER_ENABLED: 'false', VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP: 'false' },
 * }
 * ```
 *
 * Both maps must name the same variables, so every node gets a value for each (an app reading
 * an unset variable falls back to its own default, which is how two primaries happen).
 */
export interface WorkerRoles {
  /** Values on the primary node. */
  readonly primaryEnvironment: Readonly<Record<string, string>>;
  /** Values on every other node; the same names as `primaryEnvironment`. */
  readonly secondaryEnvironment: Readonly<Record<string, string>>;
  /**
   * Name of the primary node (`web-2`). Moving the primary to another node replaces both nodes'
   * instances (their user data changes): do it deliberately.
   * @default - the first node (`<name>-1`, or the first of `nodeNames`)
   */
  readonly primary?: string;
}

/**
 * {@link WorkerRoles} checked against a group's nodes: exactly one primary, the same variables
 * on both sides, valid names and values.
 */
export class ResolvedRoles {
  /**
   * Checks `roles` for a group whose nodes are `nodeNames` (in order). Throws a
   * {@link ValidationError} when there would be no primary or the two maps differ.
   *
   * @internal
   */
  public static resolve(path: string, roles: WorkerRoles, nodeNames: readonly string[]): ResolvedRoles {
    const example = '{ SCHEDULER: "true" }';
    checkObject(
      path,
      'roles',
      roles,
      `{ primaryEnvironment: ${example}, secondaryEnvironment: { SCHEDULER: "false" } }`,
    );
    checkObject(path, 'roles.primaryEnvironment', roles.primaryEnvironment, example);
    checkObject(path, 'roles.secondaryEnvironment', roles.secondaryEnvironment, '{ SCHEDULER: "false" }');
    const primaryKeys = Object.keys(roles.primaryEnvironment);
    const secondaryKeys = Object.keys(roles.secondaryEnvironment);
    const onlyPrimary = primaryKeys.filter((k) => !secondaryKeys.includes(k));
    const onlySecondary = secondaryKeys.filter((k) => !primaryKeys.includes(k));
    if (onlyPrimary.length || onlySecondary.length) {
      throw new ValidationError({
        path,
        what: 'roles variables',
        value: { onlyOnPrimary: onlyPrimary, onlyOnSecondaries: onlySecondary },
        allowed: 'the same variable names in primaryEnvironment and secondaryEnvironment',
        fix: 'give every role variable a value for the primary and one for the secondaries',
      });
    }
    for (const [side, env] of [
      ['primaryEnvironment', roles.primaryEnvironment],
      ['secondaryEnvironment', roles.secondaryEnvironment],
    ] as const) {
      for (const [name, value] of Object.entries(env)) {
        checkEnvName(`${path} roles.${side}`, name);
        checkEnvValue(`${path} roles.${side}`, name, value);
      }
    }
    const primary = roles.primary ?? nodeNames[0];
    if (primary === undefined || !nodeNames.includes(primary)) {
      throw new ValidationError({
        path,
        what: 'roles.primary',
        value: roles.primary,
        allowed: `exactly one primary among the nodes (${nodeNames.map((n) => JSON.stringify(n)).join(', ')})`,
        fix: 'name one of the nodes as primary, or leave primary unset for the first node',
      });
    }
    return new ResolvedRoles(primary, { ...roles.primaryEnvironment }, { ...roles.secondaryEnvironment });
  }

  /** The role variables' names, in the order of `primaryEnvironment`. */
  public readonly names: readonly string[];

  private constructor(
    /** The primary node's name. */
    public readonly primary: string,
    private readonly primaryEnvironment: Readonly<Record<string, string>>,
    private readonly secondaryEnvironment: Readonly<Record<string, string>>,
  ) {
    this.names = Object.keys(primaryEnvironment);
  }

  /** True when `nodeName` is the primary. */
  public isPrimary(nodeName: string): boolean {
    return nodeName === this.primary;
  }

  /** The role variables of one node, in the order of `primaryEnvironment`. */
  public environmentOf(nodeName: string): Array<[string, string]> {
    const env = this.isPrimary(nodeName) ? this.primaryEnvironment : this.secondaryEnvironment;
    return this.names.map((name) => [name, env[name]]);
  }
}
