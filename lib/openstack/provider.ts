import { ProviderRequirement } from '../core/providers';
import { OpenstackProvider } from '../../.gen/providers/openstack/provider';
import { checkCloudTexts } from './cloud-text';

/**
 * The OpenStack provider webfarm's resources use: when a stack declares no `openstack` provider
 * without an alias, one with no settings is added at synth (credentials from the usual `OS_*`
 * variables or `clouds.yaml`). Users who need a region, a cloud name or other settings declare
 * their own `OpenstackProvider`, before or after webfarm's constructs. At synth, every OpenStack
 * resource's name and description is checked against the APIs' 255 characters.
 */
export const OPENSTACK_PROVIDER: ProviderRequirement = {
  type: 'openstack',
  create: (stack, id) => {
    new OpenstackProvider(stack, id);
  },
  // Names and descriptions over the APIs' 255 characters, at synth rather than at apply.
  validate: checkCloudTexts,
};
