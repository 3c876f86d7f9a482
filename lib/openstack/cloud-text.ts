/**
 * The OpenStack APIs' limit on names and descriptions: Neutron, Nova, Cinder and Octavia refuse
 * more than 255 characters at `terraform apply`. webfarm derives many of them from construct
 * paths (`managed by webfarm: <path>`, security group and server group names), so a long
 * construct id passes synth and then fails in the cloud; this checks every OpenStack resource
 * of the stack at synth instead, and the props users write (a security group's description) at
 * once.
 */
import { IConstruct } from 'constructs';
import { TerraformResource, TerraformStack } from '../core/cdk';
import { ValidationError } from '../core/errors';
import { isUnresolved, splitTokens } from '../core/tokens';

/** Characters the OpenStack APIs accept in a name or a description. */
export const OPENSTACK_TEXT_LIMIT = 255;

/** The characters of `text` known at synth (Terraform references left out), as OpenStack counts them. */
function literalLength(text: string): number {
  return splitTokens(text)
    .filter((_, i) => i % 2 === 0)
    .reduce((n, part) => n + [...part].length, 0);
}

/**
 * Throws unless `value` (a name or description for an OpenStack API, at `path`) has at most
 * {@link OPENSTACK_TEXT_LIMIT} characters; Terraform references count as nothing.
 */
export function checkCloudText(path: string, what: string, value: unknown, fix: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string') {
    if (isUnresolved(value)) return;
    throw new ValidationError({ path, what, value, allowed: 'text', fix });
  }
  const length = literalLength(value);
  if (length <= OPENSTACK_TEXT_LIMIT) return;
  throw new ValidationError({
    path,
    what,
    value,
    allowed: `at most ${OPENSTACK_TEXT_LIMIT} characters (the OpenStack APIs' limit; this has ${length})`,
    fix,
  });
}

/** The raw `name` and `description` a generated OpenStack resource was given. */
interface NamedInputs {
  readonly nameInput?: unknown;
  readonly descriptionInput?: unknown;
}

function isOpenstackResource(c: IConstruct): c is TerraformResource & NamedInputs {
  return TerraformResource.isTerraformResource(c) && c.terraformResourceType.startsWith('openstack_');
}

/**
 * Checks the name and description of every OpenStack resource in `stack` against the APIs'
 * limit (the OpenStack provider requirement runs it when validations run at synth).
 */
export function checkCloudTexts(stack: TerraformStack): void {
  for (const c of stack.node.findAll()) {
    if (!isOpenstackResource(c)) continue;
    for (const [what, value] of [
      ['name', c.nameInput],
      ['description', c.descriptionInput],
    ] as const) {
      checkCloudText(
        c.node.path,
        `${what} of ${c.terraformResourceType}`,
        value,
        `give a shorter ${what}; webfarm derives names and descriptions from the construct path, so shorten the construct ids on it (${c.node.path.length} characters)`,
      );
    }
  }
}
