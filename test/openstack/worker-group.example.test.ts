import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack } from '../../lib/core/cdk';
import { EXAMPLE_STACKS } from '../../stacks';
import { StackJson, resourcesOf, synthStack, tfcheckProblems } from '../support/synth';
import { describeWithTools, run, tempDir } from '../support/tools';
import { tfsimValidateProblems, withPlaceholders } from './building-blocks-support';

function buildingBlocks(): StackJson {
  const example = EXAMPLE_STACKS.find((s) => s.name === 'building-blocks');
  if (!example) throw new Error('building-blocks is not registered in stacks/index.ts');
  return synthStack((app: App) => {
    example.build(app, example.name);
    return app.node.findChild(example.name) as TerraformStack;
  });
}

describe('examples/building-blocks.ts', () => {
  const json = buildingBlocks();
  const instances = resourcesOf(json, 'openstack_compute_instance_v2');
  const rules = Object.values(resourcesOf(json, 'openstack_networking_secgroup_rule_v2'));

  it('synthesizes tfcheck-clean on the network the cloud hands out', () => {
    expect(Object.values(json.data?.openstack_networking_network_v2 ?? {})).toEqual([
      { name: 'auto_allocated_network' },
    ]);
    expect(json.resource?.openstack_networking_network_v2).toBeUndefined();
    expect(tfcheckProblems(json)).toBe('');
  });

  it('has two app servers in one anti-affinity group, exactly one of them primary', () => {
    const app = Object.entries(instances).filter(([name]) => name.startsWith('App_Node-'));
    expect(app.map(([, i]) => i.name).sort()).toEqual(['visa-1', 'visa-2']);
    expect(Object.values(resourcesOf(json, 'openstack_compute_servergroup_v2'))).toEqual([
      expect.objectContaining({ policies: ['anti-affinity'] }),
    ]);
    const primaries = app.filter(([, i]) =>
      (i.user_data as string).includes("VISA_SCHEDULER_ENABLED='true'"),
    );
    expect(primaries.map(([, i]) => i.name)).toEqual(['visa-1']);
  });

  it('admits SSH only from the admin network to the bastion, and from the bastion to the app', () => {
    const ingress = rules.filter((r) => r.direction === 'ingress');
    expect(ingress).toHaveLength(2);
    expect(ingress).toContainEqual(
      expect.objectContaining({ port_range_min: 22, remote_ip_prefix: '198.51.100.0/24' }),
    );
    expect(ingress).toContainEqual(
      expect.objectContaining({
        port_range_min: 22,
        remote_group_id: expect.stringContaining(
          'openstack_networking_secgroup_v2.Admin_Bastion_SecurityGroup_',
        ),
      }),
    );
    expect(Object.keys(json.output ?? {}).sort()).toEqual(['app_addresses', 'bastion_address']);
  });
});

describeWithTools(
  ['tfsim', 'terraform', 'cloud-init'],
  'examples/building-blocks.ts with Terraform and cloud-init',
  () => {
    it('passes tfsim validate, and every user data passes cloud-init schema', () => {
      const json = buildingBlocks();
      expect(tfsimValidateProblems(json)).toBe('');
      for (const [name, instance] of Object.entries(resourcesOf(json, 'openstack_compute_instance_v2'))) {
        const file = path.join(tempDir(), `${name}.yaml`);
        fs.writeFileSync(file, withPlaceholders(instance.user_data as string));
        expect(run('cloud-init', ['schema', '--config-file', file]).trim()).toBe(
          `Valid cloud-config: ${file}`,
        );
      }
    });
  },
);
