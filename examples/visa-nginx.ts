import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from '../lib/core/cdk';
import { Algorithm } from '../lib/core/balancing';
import { KeyPair } from '../lib/openstack/keypair';
import { Network } from '../lib/openstack/network';
import { NginxBalancer } from '../lib/openstack/nginx-balancer';
import { WorkerGroup } from '../lib/openstack/worker-group';

/** Where the operators connect from (a documentation range: put your own network here). */
const ADMIN_CIDRS = ['198.51.100.0/24'];

/**
 * The VISA platform's load-balanced deployment (ILL): the full platform on two hosts, on
 * different hypervisors, behind a separate nginx host that alternates between them on each
 * request (round robin). Exactly one host is the primary: it alone runs the scheduler and the
 * start-up session cleanup.
 */
export class VisaNginxStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const network = new Network(this, 'Network', { cidr: '10.42.0.0/24', externalNetworkName: 'public' });

    // Both hosts run the same docker-compose.yml and deploy.sh; webfarm writes the environment
    // file they read, identical but for the two primary-only variables.
    const visa = new WorkerGroup(this, 'Visa', {
      network,
      name: 'visa',
      count: 2,
      placement: 'anti-affinity',
      image: 'Featured-Ubuntu24',
      flavor: 'm3.large',
      appPort: 80,
      packages: ['docker.io', 'docker-compose-v2'],
      roles: {
        primaryEnvironment: { VISA_SCHEDULER_ENABLED: 'true', VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP: 'true' },
        secondaryEnvironment: {
          VISA_SCHEDULER_ENABLED: 'false',
          VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP: 'false',
        },
      },
    });

    const lb = new NginxBalancer(this, 'Balancer', {
      network,
      name: 'visa-lb',
      image: 'Featured-Ubuntu24',
      flavor: 'm3.small',
      floatingIpPool: 'public',
      // Terraform logs in with the key of your SSH agent, the one of Nova keypair 'operators'.
      keyPair: KeyPair.fromName(this, 'Operators', 'operators'),
      ssh: { user: 'ubuntu' },
      adminAccess: ADMIN_CIDRS,
    });
    const pool = lb.addPool('visa', { port: 80, algorithm: Algorithm.roundRobin() });
    // Registers both hosts and opens tcp/80 from the balancer to them (and nothing else).
    pool.addTarget(visa);
    lb.addListener('http', { port: 80, defaultPool: pool, allowedCidrs: ['0.0.0.0/0'] });

    new TerraformOutput(this, 'url', { value: `http://${lb.publicAddress}/` });
  }
}
