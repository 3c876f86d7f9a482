import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from '../lib/core/cdk';
import { AdminAccess } from '../lib/openstack/admin-access';
import { KeyPair } from '../lib/openstack/keypair';
import { Network } from '../lib/openstack/network';
import { WorkerApp } from '../lib/hosting/app';
import { WorkerGroup } from '../lib/openstack/worker-group';

/** The app: one container reading its settings from the environment. */
const COMPOSE_FILE = `services:
  app:
    image: ghcr.io/example/visa-api:3.2
    ports: ["8080:8080"]
    environment: [VISA_SCHEDULER_ENABLED, VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP, VISA_LOG_LEVEL]
    restart: unless-stopped
`;

/**
 * The OpenStack building blocks the way a user puts them together: the network the cloud hands
 * out, a keypair from a given public key, administrators' SSH through a bastion from one
 * documentation network, and two app servers on different hypervisors, exactly one of them the
 * primary (the seed VISA platform's scheduler and start-up cleanup run there only).
 */
export class BuildingBlocksStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const network = Network.fromName(this, 'Network', 'auto_allocated_network');
    const keyPair = new KeyPair(this, 'KeyPair', {
      publicKey:
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJnFHtimwtBv6TR4TiAMIZ8N4oX31JW2hFZvP9Bno78n admin@example.org',
    });
    const admin = new AdminAccess(this, 'Admin', {
      adminCidrs: ['198.51.100.0/24'],
      bastion: { network, image: 'Featured-Ubuntu24', flavor: 'm3.tiny', floatingIpPool: 'public', keyPair },
    });

    const app = new WorkerGroup(this, 'App', {
      network,
      name: 'visa',
      count: 2,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.medium',
      keyPair,
      appPort: 8080,
      app: WorkerApp.dockerCompose({ composeFile: COMPOSE_FILE }),
      environment: { VISA_LOG_LEVEL: 'INFO' },
      roles: {
        primaryEnvironment: { VISA_SCHEDULER_ENABLED: 'true', VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP: 'true' },
        secondaryEnvironment: {
          VISA_SCHEDULER_ENABLED: 'false',
          VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP: 'false',
        },
      },
      adminAccess: admin,
    });

    new TerraformOutput(this, 'bastion_address', { value: admin.bastion?.publicAddress });
    new TerraformOutput(this, 'app_addresses', { value: app.nodes.map((n) => n.privateAddress) });
  }
}
