import { TerraformStack, Testing } from '../../lib/core/cdk';
import { Network } from '../../lib/openstack/network';
import { WorkerGroup } from '../../lib/openstack/worker-group';
import { ZfsReplication } from '../../lib/openstack/zfs-replication';
import { renderZfsNfsDropIn } from '../../lib/config/zfs';
import { expectRejected } from '../support/assert';

function build(nfsExport?: { exportTo?: string[] }) {
  const stack = new TerraformStack(Testing.app(), 'z');
  const network = new Network(stack, 'Network', { cidr: '10.20.0.0/24' });
  const workers = new WorkerGroup(stack, 'W', { network, count: 2, image: 'img', flavor: 'f' });
  const zfs = new ZfsReplication(stack, 'Images', {
    network,
    image: 'img',
    flavor: 'f',
    replicas: 1,
    volumeSizeGb: 10,
    pool: 'nsboot0',
    dataset: 'images',
    nfsExport,
  });
  return { zfs, workers };
}

describe('ZfsReplication: the dataset exported over NFS', () => {
  it('GIVEN nfsExport THEN /etc/exports names the dataset, to the subnet, root squashed', () => {
    const { zfs } = build({});
    expect(zfs.exportsFile).toContain('/srv/nsboot0/images 10.20.0.0/24(rw,sync,');
    expect(zfs.exportsFile).toContain('root_squash');
  });

  it('GIVEN exportTo THEN only those networks', () => {
    const { zfs } = build({ exportTo: ['10.20.0.0/26'] });
    expect(zfs.exportsFile).toContain('/srv/nsboot0/images 10.20.0.0/26(');
    expect(zfs.exportsFile).not.toContain('10.20.0.0/24');
  });

  it('WHEN mountOn without nfsExport THEN a ValidationError naming the fix', () => {
    const { zfs, workers } = build();
    expectRejected(
      () => zfs.mountOn(workers, '/srv/images'),
      'z/Images nfs export: nfsExport (not set) is not allowed; allowed: mountOn on a replication with nfsExport. Fix: give nfsExport: {} to export the dataset from the primary',
    );
  });

  it('the NFS server waits for ZFS to mount the dataset', () => {
    expect(renderZfsNfsDropIn().content).toContain('Requires=zfs-mount.service\nAfter=zfs-mount.service\n');
  });
});
