import { TerraformStack } from '../../lib/core/cdk';
import { ValidationError } from '../../lib/core';
import { AdminAccess, Network, ZfsReplication, ZfsReplicationProps } from '../../lib/openstack';
import { StackJson, resourcesOf, synthStack, tfcheckProblems } from '../support/synth';
import { describeWithTools } from '../support/tools';
import { resourceNamed, tfsimValidateProblems } from './building-blocks-support';

const ADMIN_CIDR = '198.51.100.0/24';

function build(props: Partial<ZfsReplicationProps> = {}): StackJson {
  return synthStack((app) => {
    const stack = new TerraformStack(app, 'test');
    const network = Network.fromName(stack, 'Net', 'auto_allocated_network');
    const admin = new AdminAccess(stack, 'Admin', { adminCidrs: [ADMIN_CIDR] });
    new ZfsReplication(stack, 'Images', {
      network,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.medium',
      replicas: 2,
      volumeSizeGb: 200,
      pool: 'nsboot0',
      dataset: 'images',
      adminAccess: admin,
      ...props,
    });
    return stack;
  });
}

function userData(json: StackJson, part: string): string {
  return resourceNamed(json, 'openstack_compute_instance_v2', part).user_data as string;
}

function groupRef(json: StackJson, part: string): string {
  const names = Object.keys(resourcesOf(json, 'openstack_networking_secgroup_v2')).filter((n) =>
    n.includes(part),
  );
  if (names.length !== 1) throw new Error(`expected one group *${part}*, found ${names.join(', ')}`);
  return `\${openstack_networking_secgroup_v2.${names[0]}.id}`;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e.message;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('ZfsReplication', () => {
  it('synthesizes a primary and N replicas, each with its own protected volume, tfcheck-clean', () => {
    const json = build();
    expect(tfcheckProblems(json)).toBe('');
    expect(Object.keys(resourcesOf(json, 'openstack_compute_instance_v2')).sort()).toEqual([
      expect.stringMatching(/^Images_Primary_[A-F0-9]+$/),
      expect.stringMatching(/^Images_Replica-images-replica-1_[A-F0-9]+$/),
      expect.stringMatching(/^Images_Replica-images-replica-2_[A-F0-9]+$/),
    ]);
    const volumes = Object.values(resourcesOf(json, 'openstack_blockstorage_volume_v3'));
    expect(volumes).toHaveLength(3);
    for (const v of volumes) expect(v.lifecycle).toEqual({ prevent_destroy: true });
    expect(Object.values(resourcesOf(json, 'openstack_compute_volume_attach_v2'))).toHaveLength(3);
  });

  it("admits replication SSH to the replicas only from the primary's group", () => {
    const json = build();
    const primary = groupRef(json, 'PrimaryGroup');
    const replicaIngress = Object.values(resourcesOf(json, 'openstack_networking_secgroup_rule_v2')).filter(
      (r) => r.security_group_id === groupRef(json, 'ReplicaGroup') && r.direction === 'ingress',
    );
    const rules = replicaIngress.map((r) => [r.port_range_min, r.remote_group_id ?? r.remote_ip_prefix]);
    expect(rules).toHaveLength(2);
    expect(rules).toEqual(
      expect.arrayContaining([
        [22, ADMIN_CIDR],
        [22, primary],
      ]),
    );
    const primaryIngress = Object.values(resourcesOf(json, 'openstack_networking_secgroup_rule_v2')).filter(
      (r) => r.security_group_id === primary && r.direction === 'ingress',
    );
    expect(primaryIngress.map((r) => r.remote_ip_prefix)).toEqual([ADMIN_CIDR]);
  });

  it('places the hosts on different hypervisors', () => {
    const json = build();
    expect(Object.values(resourcesOf(json, 'openstack_compute_servergroup_v2'))[0].policies).toEqual([
      'anti-affinity',
    ]);
  });

  it('gives replicas the key only for zfs receive -F, from the primary, with a sudo rule for that command', () => {
    const text = userData(build(), 'Replica-images-replica-1');
    expect(text).toMatch(
      /ssh_authorized_keys:\n\s+- "restrict,from=\\"\$\{element\(openstack_networking_port_v2\.Images_Primary_Port_[A-Z0-9]+\.all_fixed_ips, 0\)\}\\",command=\\"sudo -n \/usr\/sbin\/zfs receive -F nsboot0\/images\\" \$\{trimspace\(openstack_compute_keypair_v2\.Images_ReplicationKey_[A-Z0-9]+\.public_key\)\}"/,
    );
    expect(text).toContain('sudo: "ALL=(root) NOPASSWD: /usr/sbin/zfs receive -F nsboot0/images"');
    expect(text).toContain('name: "zfsrecv"');
    expect(text).toContain('/usr/local/sbin/webfarm-zfs-promote');
    expect(text).toMatch(
      /- "\/usr\/local\/sbin\/webfarm-zfs-pool"\n\s+- "\/dev\/disk\/by-id\/virtio-\$\{substr\(/,
    );
    expect(text).toContain('- "replica"');
  });

  it("gives the primary the private key (base64, one line), the replicas' addresses and the timer", () => {
    const json = build();
    const text = userData(json, 'Images_Primary');
    expect(text).toMatch(
      /content: "\$\{base64encode\(openstack_compute_keypair_v2\.Images_ReplicationKey_[A-Z0-9]+\.private_key\)\}"/,
    );
    expect(text).toMatch(
      /REPLICAS=\('\$\{element\(openstack_networking_port_v2\.Images_Replica-images-replica-1_Port_[A-Z0-9]+\.all_fixed_ips, 0\)\}' '\$\{element\(openstack_networking_port_v2\.Images_Replica-images-replica-2_Port/,
    );
    expect(text).toContain('path: "/etc/systemd/system/webfarm-zfs-replicate.timer"');
    expect(text).toContain('"webfarm-zfs-replicate.timer"');
    // bash's ${…} reaches Terraform escaped, as $${…}
    expect(text).toContain('snapshot=\\"$${prefix}$(date -u +%Y%m%dT%H%M%SZ)\\"');
    const outputs = Object.values(json.output ?? {});
    expect(outputs.filter((o) => o.sensitive === true)).toHaveLength(1);
  });

  it('rejects fewer than one replica', () => {
    expect(errorOf(() => build({ replicas: 0 }))).toBe(
      'test/Images: replicas 0 is not allowed; allowed: an integer from 1 to 16. Fix: give the number of replicas, at least 1',
    );
  });

  it('rejects a reserved pool name', () => {
    expect(errorOf(() => build({ pool: 'raidz' }))).toContain(
      'test/Images: pool name "raidz" is not allowed',
    );
  });

  it('rejects a dataset with a slash (the pool is its own prop)', () => {
    expect(errorOf(() => build({ dataset: 'nsboot0/images' }))).toBe(
      'test/Images: dataset "nsboot0/images" is not allowed; allowed: one dataset name of letters, digits and "_.-" (the pool is given by `pool`). Fix: write e.g. "images"; it becomes "<pool>/images"',
    );
  });

  it('rejects a relative mount point', () => {
    expect(errorOf(() => build({ mountPoint: 'srv/zfs' }))).toContain(
      'test/Images: mountPoint "srv/zfs" is not allowed',
    );
  });

  it('rejects a zero replication interval', () => {
    expect(errorOf(() => build({ intervalMinutes: 0 }))).toContain(
      'test/Images primary: intervalMinutes 0 is not allowed',
    );
  });

  it('rejects keeping a single snapshot', () => {
    expect(errorOf(() => build({ keepSnapshots: 1 }))).toContain(
      'test/Images primary: keepSnapshots 1 is not allowed',
    );
  });

  it('rejects a name that is not a DNS label', () => {
    expect(errorOf(() => build({ name: 'Boot Images' }))).toContain(
      'test/Images: name "Boot Images" is not allowed',
    );
  });

  it('rejects a zero-sized volume', () => {
    expect(errorOf(() => build({ volumeSizeGb: 0 }))).toContain(
      'test/Images: volumeSizeGb 0 is not allowed; allowed: an integer from 1 to 65536',
    );
  });

  it('rejects an affinity placement', () => {
    expect(
      errorOf(() => build({ placement: 'affinity' as unknown as ZfsReplicationProps['placement'] })),
    ).toContain('test/Images: placement "affinity" is not allowed');
  });

  it('keeps construct ids keyed by replica name: adding a replica adds resources only', () => {
    const two = build();
    const three = build({ replicas: 3 });
    const volumes = (j: StackJson) => Object.keys(resourcesOf(j, 'openstack_blockstorage_volume_v3'));
    for (const v of volumes(two)) expect(volumes(three)).toContain(v);
  });

  it('works without admin access (no rule from any CIDR)', () => {
    const json = synthStack((app) => {
      const stack = new TerraformStack(app, 'test');
      new ZfsReplication(stack, 'Images', {
        network: Network.fromId('net', 'subnet', '10.0.0.0/24'),
        image: 'img',
        flavor: 'flv',
        replicas: 1,
        volumeSizeGb: 10,
      });
      return stack;
    });
    const ingress = Object.values(resourcesOf(json, 'openstack_networking_secgroup_rule_v2')).filter(
      (r) => r.direction === 'ingress',
    );
    expect(ingress).toHaveLength(1);
    expect(ingress[0].remote_ip_prefix).toBeUndefined();
  });
});

describeWithTools(['terraform', 'tfsim'], 'ZfsReplication under tfsim', () => {
  it('passes tfsim validate', () => {
    expect(tfsimValidateProblems(build())).toBe('');
  });
});
