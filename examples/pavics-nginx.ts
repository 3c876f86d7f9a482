import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from '../lib/core/cdk';
import { Algorithm } from '../lib/core/balancing';
import { KeyPair } from '../lib/openstack/keypair';
import { Network } from '../lib/openstack/network';
import { NginxBalancer } from '../lib/openstack/nginx-balancer';
import { WorkerGroup } from '../lib/openstack/worker-group';

/** The load-balanced services and their ports (the same port on the proxy and the servers). */
const SERVICES = { flyingpigeon: 8093, malleefowl: 8091, hummingbird: 8094 };

/**
 * PAVICS (climate data) on three servers behind one nginx: each service port is proxied to the
 * same port on the three servers, one upstream per service, chosen by `hash $http_machineid`
 * so that requests with the same machine id always reach the same server (its output files are
 * local to it). Consistent hashing keeps most machine ids in place when a server is added.
 */
export class PavicsNginxStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const network = new Network(this, 'Network', { cidr: '10.43.0.0/24', externalNetworkName: 'public' });
    const servers = new WorkerGroup(this, 'Pavics', {
      network,
      name: 'pavics',
      count: 3,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.xl',
      packages: ['docker.io', 'docker-compose-v2'],
    });
    const lb = new NginxBalancer(this, 'Proxy', {
      network,
      name: 'pavics-proxy',
      image: 'Featured-Ubuntu24',
      flavor: 'm3.small',
      floatingIpPool: 'public',
      // Terraform logs in with the key of your SSH agent, the one of Nova keypair 'operators'.
      keyPair: KeyPair.fromName(this, 'Operators', 'operators'),
      ssh: { user: 'ubuntu' },
      adminAccess: ['198.51.100.0/24'],
    });
    for (const [service, port] of Object.entries(SERVICES)) {
      const pool = lb.addPool(service, { port, algorithm: Algorithm.hashHeader('machineid') });
      pool.addTarget(servers);
      lb.addListener(service, { port, defaultPool: pool, allowedCidrs: ['0.0.0.0/0'] });
    }
    new TerraformOutput(this, 'address', { value: lb.publicAddress ?? lb.privateAddress });
  }
}
