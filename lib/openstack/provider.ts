import { Construct, IConstruct } from 'constructs';
import { TerraformStack } from '../core/cdk';
import { OpenstackProvider } from '../../.gen/providers/openstack/provider';

/**
 * Makes sure the stack that holds `scope` has an OpenStack provider, adding a default one
 * (credentials from the usual `OS_*` variables or `clouds.yaml`) when the user has not
 * declared one. Constructs call this so a stack works with no provider boilerplate; users who
 * need a region, a cloud name or an alias declare `OpenstackProvider` themselves.
 */
export function ensureOpenStackProvider(scope: IConstruct): void {
  const stack = TerraformStack.of(scope);
  // Every host calls this: searching the whole tree each time would make a stack of N hosts
  // cost N² visits, so a stack found to have a provider is remembered.
  if (STACKS_WITH_PROVIDER.has(stack)) return;
  const hasOne = stack.node.findAll().some((c) => c instanceof OpenstackProvider);
  if (!hasOne) new OpenstackProvider(stack as Construct, 'openstack');
  STACKS_WITH_PROVIDER.add(stack);
}

/** Stacks known to hold an OpenStack provider (constructs are never removed from a tree). */
const STACKS_WITH_PROVIDER = new WeakSet<TerraformStack>();
