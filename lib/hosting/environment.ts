import { ValidationError } from '../core/errors';
import { checkEnvName, checkEnvValue } from './env-file';
import { ResolvedRoles, WorkerRoles } from './roles';

/**
 * The environment of a group's nodes, whatever runs them (an OpenStack instance's environment
 * file, a container's `env`): the variables every node gets, then the role variables that differ
 * on the one primary node. Written once here so every backend checks and orders them alike.
 */
export class GroupEnvironment {
  /** The roles, resolved (primary node and role variables), when given. */
  public readonly roles?: ResolvedRoles;
  private readonly variables = new Map<string, string>();

  /**
   * @param path construct path of the group, for messages
   * @param nodeNames the group's initial node names (the default primary is the first)
   * @param roles variables that differ on exactly one primary node
   */
  constructor(
    private readonly path: string,
    nodeNames: readonly string[],
    roles?: WorkerRoles,
  ) {
    if (roles) this.roles = ResolvedRoles.resolve(path, roles, nodeNames);
  }

  /**
   * Adds variables for every node. Literal values may hold anything but newlines, carriage
   * returns and NUL; values holding a Terraform reference must resolve to one line without
   * `'`, `"` or `\`. Setting a variable again to another value is refused, and so is a variable
   * the roles set.
   */
  public add(variables: Readonly<Record<string, string>>): void {
    for (const [name, value] of Object.entries(variables)) {
      checkEnvName(this.path, name);
      checkEnvValue(this.path, name, value);
      if (this.roles?.names.includes(name)) {
        throw new ValidationError({
          path: this.path,
          what: 'environment variable',
          value: name,
          allowed: `a name the roles do not set (${this.roles.names.join(', ')})`,
          fix: 'set it in roles.primaryEnvironment and roles.secondaryEnvironment only',
        });
      }
      const existing = this.variables.get(name);
      if (existing !== undefined && existing !== value) {
        throw new ValidationError({
          path: this.path,
          what: `environment variable ${name}`,
          value,
          allowed: `its value already set: ${JSON.stringify(existing)}`,
          fix: 'set each variable once',
        });
      }
      this.variables.set(name, value);
    }
  }

  /** True when node `name` is the group's primary. */
  public isPrimary(name: string): boolean {
    return this.roles?.isPrimary(name) ?? false;
  }

  /** The variables of node `name`, in order: the group's, then the roles'. */
  public of(name: string): Array<[string, string]> {
    return [...this.variables.entries(), ...(this.roles?.environmentOf(name) ?? [])];
  }
}
