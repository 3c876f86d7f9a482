import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from '../lib/core/cdk';
import { Algorithm } from '../lib/core/balancing';
import { KeyPair } from '../lib/openstack/keypair';
import { Network } from '../lib/openstack/network';
import { OpenStackPlatform } from '../lib/openstack/platform';
import { LoadBalancedService } from '../lib/patterns/load-balanced-service';

/**
 * NSBoot's boot-server cluster behind nginx (`nsboot-load-balancing.md`, "Nginx Load
 * Balancing"): three boot servers, `least_conn` with weights 3/2/1 ("more powerful" first),
 * passive checks `max_fails=3 fail_timeout=30s`, `keepalive 32` to the backends, `stub_status` at
 * `/nginx_status` for localhost only, `worker_connections 4096`, proxy caching, and the boot images on shared storage (an NFS export
 * mounted on every server, the write-up's option 1).
 */
export class NsbootNginxStack extends TerraformStack {
  /** The service (workers, balancer, pool `nsboot`, listener `http`, files). */
  public readonly nsboot: LoadBalancedService;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const network = new Network(this, 'Network', { cidr: '10.47.0.0/24', externalNetworkName: 'public' });
    this.nsboot = new LoadBalancedService(this, 'Nsboot', {
      platform: OpenStackPlatform.nginx({
        network,
        image: 'Featured-Ubuntu24',
        flavor: 'm3.medium',
        balancer: {
          flavor: 'm3.small',
          floatingIpPool: 'public',
          keyPair: KeyPair.fromName(this, 'Operators', 'operators'),
          ssh: { user: 'ubuntu' },
          adminAccess: ['198.51.100.0/24'],
          workerConnections: 4096,
        },
      }),
      port: 80,
      count: 3,
      pool: {
        algorithm: Algorithm.leastConnections(),
        weight: { 'nsboot-1': 3, 'nsboot-2': 2, 'nsboot-3': 1 },
        healthCheck: { passive: { maxFails: 3, failTimeoutSeconds: 30 } },
        keepaliveConnections: 32,
      },
      listeners: [{ port: 80, allowedCidrs: ['0.0.0.0/0'], cache: { maxSizeMb: 1024, validSeconds: 600 } }],
      sharedFiles: { mountPoint: '/srv/images', sizeGiB: 200 },
    });
    new TerraformOutput(this, 'address', { value: this.nsboot.address });
  }
}
