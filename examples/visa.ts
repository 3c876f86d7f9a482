import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from '../lib/core/cdk';
import { Algorithm } from '../lib/core/balancing';
import { KeyPair } from '../lib/openstack/keypair';
import { Network } from '../lib/openstack/network';
import { OpenStackPlatform } from '../lib/openstack/platform';
import { WorkerApp } from '../lib/hosting/app';
import { LoadBalancedService } from '../lib/patterns/load-balanced-service';

/**
 * The platform's compose project, the same on both hosts (VISA's docker-compose.yml, trimmed to
 * the API server): it reads the environment file webfarm writes.
 */
const COMPOSE = `services:
  visa-api-server:
    image: ghcr.io/ill-visa/visa-api-server:latest
    restart: unless-stopped
    ports: ["8080:8080"]
    env_file: [/etc/webfarm/visa.env]
`;

/**
 * The VISA platform's load-balanced deployment (ILL, `visa-load-balancing.md`), one stack: the
 * full platform on two hosts on different hypervisors, Redis for socket.io pub/sub between them
 * (URL, password and database given to the app as env), exactly one primary node (the scheduler
 * and the start-up session cleanup), and a separate nginx host that alternates between the two
 * on each request and passes the remote-desktop websockets through.
 */
export class VisaStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    // README:begin
    const network = new Network(this, 'Network', { cidr: '10.46.0.0/24', externalNetworkName: 'public' });
    const platform = OpenStackPlatform.nginx({
      network,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.large',
      placement: 'anti-affinity', // "ideally ... on different physical hosts"
      app: WorkerApp.dockerCompose({ composeFile: COMPOSE }),
      redis: { flavor: 'm3.small' },
      balancer: {
        flavor: 'm3.small',
        floatingIpPool: 'public',
        keyPair: KeyPair.fromName(this, 'Operators', 'operators'), // Terraform pushes nginx's files with this key
        ssh: { user: 'ubuntu' },
        adminAccess: ['198.51.100.0/24'],
        timeouts: { readSeconds: 3600 }, // remote-desktop websockets may stay silent for an hour
      },
    });
    const visa = new LoadBalancedService(this, 'Visa', {
      platform,
      port: 8080,
      count: 2,
      pool: { algorithm: Algorithm.roundRobin() },
      roles: {
        primaryEnvironment: { VISA_SCHEDULER_ENABLED: 'true', VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP: 'true' },
        secondaryEnvironment: {
          VISA_SCHEDULER_ENABLED: 'false',
          VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP: 'false',
        },
      },
      redis: { envPrefix: 'VISA_VDI_REDIS_' },
      listeners: [{ port: 80, allowedCidrs: ['0.0.0.0/0'] }],
    });
    // README:end
    new TerraformOutput(this, 'address', { value: visa.address });
  }
}
