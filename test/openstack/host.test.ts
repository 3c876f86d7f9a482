import { Testing } from '../../lib/core/cdk';
import { HOST_MANIFEST_KEY } from '../../lib/core';
import { Host, SecurityGroup } from '../../lib/openstack';
import { resourcesOf, synthStack, tfcheckProblems } from '../support/synth';
import { describeWithTools } from '../support/tools';
import { resourceNamed, stackOnNetwork, synthWithMetadata, tfsimPlan } from './building-blocks-support';

type ManifestFile = { path: string; content: string; mode: string; owner: string };

function hostStack(props: Partial<ConstructorParameters<typeof Host>[2]> = {}) {
  const { stack, network } = stackOnNetwork(Testing.app());
  const group = new SecurityGroup(stack, 'Group');
  const host = new Host(stack, 'App', {
    network,
    image: 'debian-12',
    flavor: 'm1.small',
    securityGroups: [group],
    ...props,
  });
  return { stack, host, group, network };
}

function manifestOf(json: ReturnType<typeof synthWithMetadata>): { host: string; files: ManifestFile[] } {
  const instance = resourceNamed(json, 'openstack_compute_instance_v2', 'App');
  return (instance['//'] as Record<string, { host: string; files: ManifestFile[] }>)[HOST_MANIFEST_KEY];
}

describe('Host', () => {
  it('puts a fragment added after construction into user_data and into the manifest', () => {
    // GIVEN a host built with one file
    const { stack, host } = hostStack({
      cloudConfig: { writeFiles: [{ path: '/etc/first.conf', content: 'first\n' }] },
    });
    // WHEN a fragment is added afterwards
    host.addCloudConfig({
      packages: ['nginx'],
      writeFiles: [{ path: '/etc/later.conf', content: 'later\n', permissions: '0640' }],
    });
    // THEN both files are in the user data and in the manifest
    const json = synthWithMetadata(stack);
    const userData = resourceNamed(json, 'openstack_compute_instance_v2', 'App').user_data as string;
    expect(userData).toContain('path: "/etc/first.conf"');
    expect(userData).toContain('path: "/etc/later.conf"');
    expect(userData).toContain('- "nginx"');
    const manifest = manifestOf(json);
    expect(manifest.host).toBe('app');
    expect(manifest.files.map((f) => [f.path, f.mode])).toEqual([
      ['/var/lib/cloud/instance/user-data.txt', '0600'],
      ['/etc/first.conf', '0644'],
      ['/etc/later.conf', '0640'],
    ]);
    expect(manifest.files[0].content).toBe(userData);
    expect(tfcheckProblems(json)).toBe('');
  });

  it('renders a fragment produced at synth with the state at synth time', () => {
    // GIVEN a host whose fragment is produced late
    const { stack, host } = hostStack();
    const lines: string[] = ['one'];
    host.addCloudConfig({
      produce: () => ({ writeFiles: [{ path: '/etc/lines', content: lines.join('\n') }] }),
    });
    // WHEN the state changes after the fragment was added
    lines.push('two');
    // THEN the user data holds the final state
    const json = synthStack(() => stack);
    const userData = resourceNamed(json, 'openstack_compute_instance_v2', 'App').user_data as string;
    expect(userData).toContain('content: "one\\ntwo"');
  });

  it('escapes literal ${ and %{ once, and keeps references real', () => {
    // GIVEN a file with literal interpolation syntax and one real reference
    const { stack, host, group } = hostStack();
    host.addCloudConfig({
      writeFiles: [
        {
          path: '/etc/app.conf',
          content: `literal=\${HOME} directive=%{if} group=${group.securityGroupId}\n`,
        },
      ],
    });
    // WHEN synthesized
    const json = synthWithMetadata(stack);
    // THEN the literals are escaped exactly once and the reference stays a reference
    const userData = resourceNamed(json, 'openstack_compute_instance_v2', 'App').user_data as string;
    expect(userData).toContain(
      'literal=$${HOME} directive=%%{if} group=${openstack_networking_secgroup_v2.Group_',
    );
    expect(userData).not.toContain('$$${');
    const file = manifestOf(json).files.find((f) => f.path === '/etc/app.conf');
    expect(file?.content).toMatch(/^literal=\$\$\{HOME\} directive=%%\{if\} group=\$\{openstack_networking/);
  });

  it('has no user_data and no manifest without cloud-config', () => {
    // GIVEN a host without cloud-config
    const { stack } = hostStack();
    // WHEN synthesized
    const json = synthWithMetadata(stack);
    // THEN neither is written
    const instance = resourceNamed(json, 'openstack_compute_instance_v2', 'App');
    expect(instance.user_data).toBeUndefined();
    expect((instance['//'] as Record<string, unknown>)[HOST_MANIFEST_KEY]).toBeUndefined();
  });

  it('sits on its own port with the security groups, and joins a server group by hint', () => {
    const { stack } = hostStack({ name: 'app-1' });
    const json = synthStack(() => stack);
    const port = resourceNamed(json, 'openstack_networking_port_v2', 'App/Port');
    expect(port.security_group_ids).toEqual([
      expect.stringMatching(/^\$\{openstack_networking_secgroup_v2\.Group_/),
    ]);
    const instance = resourceNamed(json, 'openstack_compute_instance_v2', 'App');
    expect(instance.name).toBe('app-1');
    expect(instance.network).toEqual([
      { port: expect.stringMatching(/^\$\{openstack_networking_port_v2\.App_Port_/) },
    ]);
  });

  it('boots from a volume and keeps data volumes with prevent_destroy and a separate attachment', () => {
    // GIVEN a host booting from a 20 GiB volume with a data volume
    const { stack, host } = hostStack({ bootVolumeSizeGb: 20 });
    const data = host.addVolume('data', { sizeGb: 100 });
    // WHEN synthesized
    const json = synthStack(() => stack);
    // THEN
    const instance = resourceNamed(json, 'openstack_compute_instance_v2', 'App');
    expect(instance.image_name).toBeUndefined();
    expect(instance.block_device).toEqual([
      expect.objectContaining({
        source_type: 'image',
        destination_type: 'volume',
        volume_size: 20,
        boot_index: 0,
      }),
    ]);
    const volume = resourceNamed(json, 'openstack_blockstorage_volume_v3', 'Volume-data');
    expect(volume).toMatchObject({ size: 100, lifecycle: { prevent_destroy: true } });
    expect(Object.keys(resourcesOf(json, 'openstack_compute_volume_attach_v2'))).toHaveLength(1);
    expect(data.devicePath).toContain('/dev/disk/by-id/virtio-');
    expect(tfcheckProblems(json)).toBe('');
  });

  describe('validation', () => {
    it('fails on no security groups', () => {
      expect(() => hostStack({ securityGroups: [] })).toThrow(
        'test/App: securityGroups [] is not allowed; allowed: at least one security group (the port would otherwise get the cloud default group). Fix: pass the group(s) that should govern this host',
      );
    });

    it('fails on an empty image', () => {
      expect(() => hostStack({ image: ' ' })).toThrow(
        'test/App: image " " is not allowed; allowed: an image name of your cloud. Fix: give the image name, e.g. from `openstack image list`',
      );
    });

    it('fails on an empty flavor', () => {
      expect(() => hostStack({ flavor: '' })).toThrow(
        /test\/App: flavor "" is not allowed; allowed: a flavor name/,
      );
    });

    it('fails on a boot volume of 0 GiB', () => {
      expect(() => hostStack({ bootVolumeSizeGb: 0 })).toThrow(
        'test/App: bootVolumeSizeGb 0 is not allowed; allowed: an integer from 1 to 65536. Fix: give the boot volume size in GiB, e.g. 20',
      );
    });

    it('fails on an instance name that is not a DNS label', () => {
      expect(() => hostStack({ name: 'App_1' })).toThrow(
        /test\/App: name "App_1" is not allowed; allowed: lowercase/,
      );
    });

    it('fails on a data volume of 0 GiB', () => {
      const { host } = hostStack();
      expect(() => host.addVolume('data', { sizeGb: 0 })).toThrow(
        "test/App: size of volume 'data' 0 is not allowed; allowed: an integer from 1 to 65536",
      );
    });

    it('fails at once on a fragment whose file path repeats an earlier one', () => {
      const { host } = hostStack({ cloudConfig: { writeFiles: [{ path: '/etc/a', content: 'a' }] } });
      expect(() => host.addCloudConfig({ writeFiles: [{ path: '/etc/a', content: 'b' }] })).toThrow(
        'test/App cloud-init: write_files path "/etc/a" is not allowed; allowed: each path once',
      );
    });

    it('skips unresolved tokens for image and flavor', () => {
      const { stack, network } = stackOnNetwork(Testing.app());
      const group = new SecurityGroup(stack, 'Group');
      expect(
        () =>
          new Host(stack, 'App', {
            network,
            image: network.subnet.cidr,
            flavor: network.networkId,
            securityGroups: [group],
          }),
      ).not.toThrow();
    });
  });
});

describeWithTools(['tfsim', 'terraform'], 'Host with Terraform (tfsim)', () => {
  it('Terraform reads the escaped user data back to the literal text', () => {
    // GIVEN a file with ${ and %{ that must reach the host literally
    const { stack, host } = hostStack();
    host.addCloudConfig({ writeFiles: [{ path: '/etc/app.conf', content: 'a=${HOME} b=%{x} c=$$ d=%%\n' }] });
    // WHEN Terraform plans it
    const { changes } = tfsimPlan(synthStack(() => stack));
    // THEN the planned user data holds the literal text
    const instance = changes.find((c) => c.type === 'openstack_compute_instance_v2');
    expect(instance?.change.after?.user_data).toContain('content: "a=${HOME} b=%{x} c=$$ d=%%\\n"');
  });
});
