import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from '../lib/core/cdk';
import { Algorithm } from '../lib/core/balancing';
import { Bastion } from '../lib/openstack/admin-access';
import { HaproxyBalancer } from '../lib/openstack/haproxy-balancer';
import { KeyPair } from '../lib/openstack/keypair';
import { Network } from '../lib/openstack/network';
import { WorkerGroup } from '../lib/openstack/worker-group';

/** HAProxy's `check inter 3s rise 2 fall 3` with `option httpchk GET /health`. */
const HEALTH = { path: '/health', intervalSeconds: 3, healthyThreshold: 2, unhealthyThreshold: 3 };

/**
 * NSBoot's boot-server cluster behind HAProxy, as its load-balancing guide configures it: three
 * boot servers, `balance leastconn` with `option httpchk GET /health` and
 * `check inter 3s rise 2 fall 3`, websocket upgrades sent by an ACL to a `balance source`
 * backend, an `/api/` path rule, the stats page on localhost only; and no single point of
 * failure: a keepalived pair of HAProxy hosts sharing a virtual IP that carries the public
 * address.
 */
export class NsbootHaproxyStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const network = new Network(this, 'Network', { cidr: '10.44.0.0/24', externalNetworkName: 'public' });
    const nsboot = new WorkerGroup(this, 'Nsboot', {
      network,
      name: 'nsboot',
      count: 3,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.medium',
      appPort: 80,
    });

    // The operators' jump host: SSH from their network only.
    const keyPair = KeyPair.fromName(this, 'Operators', 'operators');
    const bastion = new Bastion(this, 'Bastion', {
      network,
      name: 'nsboot-bastion',
      image: 'Featured-Ubuntu24',
      flavor: 'm3.tiny',
      floatingIpPool: 'public',
      adminCidrs: ['198.51.100.0/24'],
      keyPair,
    });

    const lb = new HaproxyBalancer(this, 'Balancer', {
      network,
      name: 'nsboot-lb',
      image: 'Featured-Ubuntu24',
      flavor: 'm3.small',
      floatingIpPool: 'public',
      highAvailability: { vrrp: true, virtualIp: '10.44.0.250' },
      // Terraform reaches the pair's private addresses through the bastion, with the key of
      // your SSH agent (the one of Nova keypair 'operators').
      keyPair,
      ssh: { user: 'ubuntu', bastion: { host: bastion.publicAddress } },
      adminAccess: [`${bastion.privateAddress}/32`],
    });
    const backend = lb.addPool('nsboot', {
      port: 80,
      algorithm: Algorithm.leastConnections(),
      healthCheck: { active: HEALTH },
    });
    // "Sticky sessions for WebSocket": the same client address reaches the same server.
    const websocket = lb.addPool('websocket', {
      port: 80,
      algorithm: Algorithm.sourceIp(),
      healthCheck: { active: { path: '/health', intervalSeconds: 3 } },
    });
    backend.addTarget(nsboot);
    websocket.addTarget(nsboot);
    lb.addListener('http', {
      port: 80,
      defaultPool: backend,
      rules: [
        { websocket: true, pool: websocket },
        { pathPrefix: '/api/', pool: backend },
      ],
      allowedCidrs: ['0.0.0.0/0'],
    });

    new TerraformOutput(this, 'url', { value: `http://${lb.publicAddress}/` });
  }
}
