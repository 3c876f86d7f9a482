import { Construct } from 'constructs';
import { TerraformStack } from '../lib/core/cdk';
import { IBalancer } from '../lib/core/balancer';
import { HaproxyBalancer } from '../lib/openstack/haproxy-balancer';
import { KeyPair } from '../lib/openstack/keypair';
import { Network } from '../lib/openstack/network';
import { NginxBalancer } from '../lib/openstack/nginx-balancer';
import { NoopBalancer } from '../lib/testing/noop-balancer';

/**
 * Velociraptor's balancers (`velociraptor-balancers.rst`): several named balancers at once, the
 * no-op "dummy" one for tests and development, an nginx host with one file per pool (concurrent
 * edits of different pools never collide) and an HAProxy host (the backend the write-up asks
 * for). The swarms' pools are made through the balancer interface itself, `addNodes`
 * creating a pool that does not exist yet, and are run-time managed: the deployment tool then
 * calls `getNodes`/`addNodes`/`deleteNodes` on them from `webfarm/runtime` as swarms come and
 * go. Routing is deliberately the user's: here one host-name rule per balancer.
 */
export class VelociraptorStack extends TerraformStack {
  /** The balancers, by the names the deployment tool's `BALANCERS` setting gives them. */
  public readonly balancers: Readonly<Record<string, IBalancer>>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const network = Network.fromName(this, 'Net', 'auto_allocated_network');
    const host = {
      network,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.small',
      floatingIpPool: 'public',
      keyPair: KeyPair.fromName(this, 'Operators', 'operators'),
      ssh: { user: 'ubuntu' },
      adminAccess: ['198.51.100.0/24'],
    };
    this.balancers = {
      default: new NoopBalancer(this, 'Default'),
      my_nginx_balancer: new NginxBalancer(this, 'MyNginxBalancer', { ...host, name: 'frontend1' }),
      my_haproxy_balancer: new HaproxyBalancer(this, 'MyHaproxyBalancer', { ...host, name: 'haproxy1' }),
    };
    for (const lb of Object.values(this.balancers)) {
      lb.addNodes('hello-swarm', ['10.0.0.5:5000', '10.0.0.6:5000'], { port: 5000, runtimeManaged: true });
      lb.addNodes('api-swarm', ['10.0.0.7:5001'], { port: 5001, runtimeManaged: true });
      // The user's routing rules (Velociraptor writes none): api.example.org to the API swarm.
      const [hello, api] = lb.pools;
      lb.addListener('http', {
        port: 80,
        defaultPool: hello,
        rules: [{ hostName: 'api.example.org', pool: api }],
        allowedCidrs: ['0.0.0.0/0'],
      });
    }
  }
}
