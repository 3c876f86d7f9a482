import { Construct } from 'constructs';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformStack } from '../core/cdk';
import { ProviderRequirement } from '../core/providers';
import { ValidationError } from '../core/errors';

/**
 * The Docker provider (kreuzwerker/docker) webfarm's containers use: when a stack declares no
 * `docker` provider without an alias, one with no settings is added at synth (the engine named
 * by `DOCKER_HOST`, else the local socket). Declare your own `DockerProvider` for another engine.
 */
export const DOCKER_PROVIDER: ProviderRequirement = {
  type: 'docker',
  create: (stack, id) => {
    new DockerProvider(stack, id);
  },
};

/** Docker object names: a letter or digit, then letters, digits, `_`, `.` and `-`. */
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/**
 * The engine-wide name of a Docker object: `given`, or `<stack>-<suffix>` (stack names are
 * unique per app, so two stacks, or two constructs of one stack, never collide on one engine).
 */
export function dockerName(scope: Construct, what: string, suffix: string, given?: string): string {
  const name =
    given ?? `${TerraformStack.of(scope).node.id}-${suffix}`.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-');
  if (!DOCKER_NAME.test(name)) {
    throw new ValidationError({
      path: scope.node.path,
      what,
      value: name,
      allowed: 'a letter or digit, then letters, digits, "_", "." and "-" (at most 128)',
      fix: 'give a name such as "visa-lb"',
    });
  }
  return name;
}
