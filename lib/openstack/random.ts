import { Construct, IConstruct } from 'constructs';
import { Password } from '@cdktf/provider-random/lib/password';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { TerraformStack } from '../core/cdk';
import { checkInteger } from '../core/validate';

/**
 * Makes sure the stack that holds `scope` has a `random` provider (it needs no settings), adding
 * one when the user has not declared one. Constructs that generate secrets call this.
 */
export function ensureRandomProvider(scope: IConstruct): void {
  const stack = TerraformStack.of(scope);
  const hasOne = stack.node.findAll().some((c) => c instanceof RandomProvider);
  if (!hasOne) new RandomProvider(stack as Construct, 'random');
}

/**
 * The special characters of webfarm's generated secrets: none of them needs quoting in a shell
 * word, an environment file, a YAML or JSON string, a `redis.conf` argument or a URL (no quotes,
 * backslash, `$`, `#`, `%`, space, `~`, `&`, `;`, `:`, `/`, `@`).
 */
export const SECRET_SAFE_SPECIAL_CHARACTERS = '-_.+=';

/** Options of {@link generatedSecret}. */
export interface GeneratedSecretOptions {
  /**
   * Length in characters.
   * @default 32
   */
  readonly length?: number;
}

/**
 * A `random_password` (`random` provider) drawn from letters, digits and
 * {@link SECRET_SAFE_SPECIAL_CHARACTERS}. The value (`.result`) is sensitive and lives in the
 * Terraform state; it is generated once and kept until the resource is replaced.
 */
export function generatedSecret(
  scope: Construct,
  id: string,
  options: GeneratedSecretOptions = {},
): Password {
  ensureRandomProvider(scope);
  const length = options.length ?? 32;
  checkInteger(scope.node.path, 'secret length', length, 16, 256, 'give a length of at least 16, e.g. 32');
  return new Password(scope, id, {
    length,
    special: true,
    overrideSpecial: SECRET_SAFE_SPECIAL_CHARACTERS,
    minLower: 2,
    minUpper: 2,
    minNumeric: 2,
  });
}
