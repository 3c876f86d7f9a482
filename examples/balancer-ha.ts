import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from '../lib/core/cdk';
import { Algorithm } from '../lib/core/balancing';
import { Bastion } from '../lib/openstack/admin-access';
import { KeyPair } from '../lib/openstack/keypair';
import { Network } from '../lib/openstack/network';
import { NginxBalancer } from '../lib/openstack/nginx-balancer';
import { WorkerGroup } from '../lib/openstack/worker-group';

/** The operators' network (a documentation range: put your own here). */
const OPERATORS = ['198.51.100.0/24'];

/**
 * An nginx balancer without a single point of failure: two nginx hosts on different hypervisors
 * share a virtual IP by keepalived (unicast VRRP, a track script on nginx), and the public
 * address is a floating IP on the virtual IP's port, so it follows whichever host is master.
 * Operators reach everything through a bastion; the status page is open to their network.
 */
export class BalancerHaStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const network = new Network(this, 'Network', { cidr: '10.45.0.0/24', externalNetworkName: 'public' });
    const keyPair = KeyPair.fromName(this, 'Operators', 'operators');
    const bastion = new Bastion(this, 'Bastion', {
      network,
      name: 'web-bastion',
      image: 'Featured-Ubuntu24',
      flavor: 'm3.tiny',
      floatingIpPool: 'public',
      adminCidrs: OPERATORS,
      keyPair,
    });
    const web = new WorkerGroup(this, 'Web', {
      network,
      name: 'web',
      count: 2,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.small',
      appPort: 8080,
    });
    const lb = new NginxBalancer(this, 'Balancer', {
      network,
      name: 'web-lb',
      image: 'Featured-Ubuntu24',
      flavor: 'm3.small',
      floatingIpPool: 'public',
      highAvailability: { vrrp: true },
      keyPair,
      // Pushed through the bastion, with the key of your SSH agent.
      ssh: { user: 'ubuntu', bastion: { host: bastion.publicAddress } },
      adminAccess: [`${bastion.privateAddress}/32`],
      statusAllowedCidrs: OPERATORS,
    });
    const pool = lb.addPool('web', { port: 8080, algorithm: Algorithm.leastConnections() });
    pool.addTarget(web);
    lb.addListener('http', { port: 80, defaultPool: pool, allowedCidrs: ['0.0.0.0/0'] });

    new TerraformOutput(this, 'url', { value: `http://${lb.publicAddress}/` });
    new TerraformOutput(this, 'virtual_ip', { value: lb.privateAddress });
  }
}
