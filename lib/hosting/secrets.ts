import { Construct } from 'constructs';
import { Password } from '@cdktf/provider-random/lib/password';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { ProviderRequirement, ensureProvider } from '../core/providers';
import { checkInteger } from '../core/validate';

/**
 * The `random` provider of generated secrets (it needs no settings): added at synth when the
 * stack declares no `random` provider without an alias.
 */
export const RANDOM_PROVIDER: ProviderRequirement = {
  type: 'random',
  create: (stack, id) => {
    new RandomProvider(stack, id);
  },
};

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
  ensureProvider(scope, RANDOM_PROVIDER);
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
