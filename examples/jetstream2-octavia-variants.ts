import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from '../lib/core/cdk';
import { Algorithm } from '../lib/core/balancing';
import { Network } from '../lib/openstack/network';
import { OpenStackPlatform } from '../lib/openstack/platform';
import { WorkerApp } from '../lib/hosting/app';
import { LoadBalancedService } from '../lib/patterns/load-balanced-service';

const PAGE = '<!DOCTYPE html><html><body><p>Hello from a webfarm worker!</p></body></html>\n';

/**
 * Jetstream2's Octavia guide with the pool algorithms it explains besides ROUND_ROBIN
 * (`examples/jetstream2-octavia.ts`): `LEAST_CONNECTIONS` (the member with the fewest active
 * connections) or `SOURCE_IP` (one client address, one member), and an external member ("Add
 * external member": a machine outside OpenStack, reachable from the load balancer), as one
 * `LoadBalancedService` on Octavia.
 */
export class Jetstream2OctaviaVariantStack extends TerraformStack {
  /** The service: workers, load balancer, pool `worker-node`, listener `http`. */
  public readonly site: LoadBalancedService;

  constructor(scope: Construct, id: string, algorithm: Algorithm) {
    super(scope, id);
    const network = Network.fromName(this, 'Net', 'auto_allocated_network');
    this.site = new LoadBalancedService(this, 'Site', {
      platform: OpenStackPlatform.octavia({
        network,
        image: 'Featured-Ubuntu24',
        flavor: 'm3.tiny',
        files: [{ path: '/web/index.html', content: PAGE }],
        app: WorkerApp.systemd({
          execStart: '/usr/bin/python3 -m http.server --directory /web 80',
          user: 'root',
        }),
        balancer: { floatingIpPool: 'public' },
      }),
      name: 'worker-node',
      port: 80,
      pool: { algorithm, healthCheck: { active: { path: '/' } } },
      listeners: [{ port: 80, allowedCidrs: ['0.0.0.0/0'] }],
    });
    // The external member: a documentation address standing in for a machine outside the cloud.
    this.site.pool.addNodes(['203.0.113.10:80']);
    new TerraformOutput(this, 'address', { value: this.site.address });
  }
}
