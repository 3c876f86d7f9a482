import { Lazy, TerraformStack, Testing } from '../../lib/core/cdk';
import { ValidationError } from '../../lib/core/errors';
import { SecurityGroup } from '../../lib/openstack';
import { OPENSTACK_TEXT_LIMIT, checkCloudText } from '../../lib/openstack/cloud-text';
import { NetworkingNetworkV2 } from '../../.gen/providers/openstack/networking-network-v2';

/** Names and descriptions over the OpenStack APIs' 255 characters fail at synth, not at apply. */
describe('OpenStack names and descriptions', () => {
  it('counts characters, not bytes, and Terraform references as nothing', () => {
    expect(() => checkCloudText('p', 'name', 'é'.repeat(OPENSTACK_TEXT_LIMIT), 'f')).not.toThrow();
    const reference = Lazy.stringValue({ produce: () => 'x'.repeat(300) });
    expect(() => checkCloudText('p', 'name', `${'a'.repeat(250)}-${reference}`, 'f')).not.toThrow();
    expect(() => checkCloudText('p', 'name', `${'a'.repeat(256)}-${reference}`, 'f')).toThrow(
      'p: name "' + 'a'.repeat(256),
    );
  });

  it("fails at synth on any OpenStack resource of the stack, the user's own included, naming its path", () => {
    // GIVEN a webfarm construct (which brings the OpenStack provider) and the user's own network
    const app = Testing.app();
    const stack = new TerraformStack(app, 's');
    new SecurityGroup(stack, 'Group');
    new NetworkingNetworkV2(stack, 'Mine', { name: 'n'.repeat(256) });
    // WHEN synthesized with validations
    let error: unknown;
    try {
      Testing.synth(stack, true);
    } catch (e) {
      error = e;
    }
    // THEN one ValidationError names the resource and the limit
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toContain(
      `s/Mine: name of openstack_networking_network_v2 "${'n'.repeat(256)}" is not allowed; allowed: at most 255 characters (the OpenStack APIs' limit; this has 256)`,
    );
  });
});
