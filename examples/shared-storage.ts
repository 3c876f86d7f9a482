import { Construct } from 'constructs';
import { TerraformStack } from '../lib/core/cdk';
import { AdminAccess } from '../lib/openstack/admin-access';
import { Network } from '../lib/openstack/network';
import { NfsServer } from '../lib/openstack/nfs-server';
import { WorkerGroup } from '../lib/openstack/worker-group';
import { ZfsReplication } from '../lib/openstack/zfs-replication';

/** Which of NSBoot's shared-storage options (`nsboot-load-balancing.md`, "Shared Storage"). */
export type SharedStorageOption = 'nfs' | 'zfs';

/**
 * Every NSBoot server sees the same boot images at `/srv/images`:
 *
 * - `nfs` (option 1): an NFS server with its own protected volume exports the images to the
 *   servers' subnet (`root_squash`), mounted on every server;
 * - `zfs` (option 2 with option 1 on top): the dataset `nsboot0/images` lives on a ZFS primary
 *   and is replicated to two replicas (`zfs send -R -I | ssh … zfs receive -F`, every 15
 *   minutes); the primary also exports it over NFS (`sharenfs`), mounted on every server.
 *
 * NFS (tcp/2049) admits only the servers' group; SSH comes only from the admin network.
 */
export class SharedStorageStack extends TerraformStack {
  constructor(scope: Construct, id: string, option: SharedStorageOption) {
    super(scope, id);
    const network = Network.fromName(this, 'Net', 'auto_allocated_network');
    const adminAccess = new AdminAccess(this, 'Admin', { adminCidrs: ['198.51.100.0/24'] });
    const servers = new WorkerGroup(this, 'Nsboot', {
      network,
      name: 'nsboot',
      count: 3,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.medium',
      appPort: 80,
      adminAccess,
    });
    const storage = {
      network,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.medium',
      dataVolume: { sizeGiB: 200 },
      adminAccess,
    };
    if (option === 'nfs') {
      const files = new NfsServer(this, 'Files', { ...storage, shares: ['images'] });
      files.share('images').mountOn(servers, '/srv/images');
    } else {
      const images = new ZfsReplication(this, 'Images', {
        ...storage,
        replicas: 2,
        pool: 'nsboot0',
        dataset: 'images',
        nfsExport: {},
      });
      images.mountOn(servers, '/srv/images');
    }
  }
}
