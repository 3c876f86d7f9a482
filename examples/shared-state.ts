import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from '../lib/core/cdk';
import { AdminAccess } from '../lib/openstack/admin-access';
import { Network } from '../lib/openstack/network';
import { NfsServer } from '../lib/openstack/nfs-server';
import { RedisHost } from '../lib/openstack/redis-host';
import { WorkerApp } from '../lib/hosting/app';
import { WorkerGroup } from '../lib/openstack/worker-group';
import { ZfsReplication } from '../lib/openstack/zfs-replication';

/** A compose project standing in for the app: it reads the Redis settings and the images. */
const COMPOSE = `services:
  app:
    image: ghcr.io/example/visa-api:latest
    restart: unless-stopped
    ports: ["8080:8080"]
    environment:
      - VISA_VDI_REDIS_URL
      - VISA_VDI_REDIS_PASSWORD
      - VISA_VDI_REDIS_DATABASE
      - VISA_SCHEDULER_ENABLED
      - VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP
    volumes:
      - /srv/images:/srv/images
`;

/**
 * The state app servers share, as the seed write-ups need it:
 *
 * - VISA (`visa-load-balancing.md`): two app servers on different hypervisors exchange
 *   socket.io messages through Redis (URL, password and database given as env), one primary;
 * - NSBoot (`nsboot-load-balancing.md`): every server sees the same boot images, from an NFS
 *   export (option 1) — and, for sites that prefer local copies, a ZFS pool replicated from a
 *   primary to two replicas with `zfs send -R -I | ssh … zfs receive -F` (option 2).
 *
 * Redis and NFS admit only the app servers' group; SSH comes only from the admin network. Every
 * data volume is separate from its instance and protected by `prevent_destroy`.
 */
export class SharedStateStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const network = Network.fromName(this, 'Net', 'auto_allocated_network');
    const admin = new AdminAccess(this, 'Admin', { adminCidrs: ['198.51.100.0/24'] });

    const app = new WorkerGroup(this, 'App', {
      network,
      name: 'visa',
      count: 2,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.medium',
      appPort: 8080,
      adminAccess: admin,
      app: WorkerApp.dockerCompose({ composeFile: COMPOSE }),
      roles: {
        primaryEnvironment: { VISA_SCHEDULER_ENABLED: 'true', VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP: 'true' },
        secondaryEnvironment: {
          VISA_SCHEDULER_ENABLED: 'false',
          VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP: 'false',
        },
      },
    });

    // Redis for pub/sub between the app servers: 6379 from the app servers only.
    const redis = new RedisHost(this, 'Redis', {
      network,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.small',
      maxMemoryMb: 1024,
      dataVolume: { sizeGiB: 10 },
      adminAccess: admin,
    });
    redis.allowFrom(app);
    app.addEnvironment(redis.connectionEnv('VISA_VDI_REDIS_'));

    // The boot images, exported to the app servers' subnet and mounted at /srv/images.
    const files = new NfsServer(this, 'Files', {
      network,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.small',
      shares: ['images'],
      dataVolume: { sizeGiB: 200 },
      adminAccess: admin,
    });
    files.share('images').mountOn(app, '/srv/images');

    // The NSBoot alternative: a replicated ZFS dataset, snapshots sent every 15 minutes.
    new ZfsReplication(this, 'Images', {
      network,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.medium',
      replicas: 2,
      dataVolume: { sizeGiB: 200 },
      pool: 'nsboot0',
      dataset: 'images',
      adminAccess: admin,
    });

    new TerraformOutput(this, 'redis_url', { value: redis.url });
  }
}
