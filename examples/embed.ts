import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from '../lib/core/cdk';
import { Algorithm, KeyPair, LoadBalancedService, Network, OpenStackPlatform } from '../lib';
import { OpenstackProvider, objectstorageContainerV1 } from '../lib/providers/openstack';

/**
 * The README's "Embedding the constructs in your own stack": a `LoadBalancedService` inside a
 * stack of the user's own, beside the user's provider and resources of their own from the same
 * bindings. The README block is this class, as a user's `main.ts` holds it (`scripts/pack-test.js`
 * runs that block in a fresh `cdktf init` project).
 */
// README:begin
export class FarmStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    // your provider (region, named cloud); without one, webfarm adds a default one
    new OpenstackProvider(this, 'openstack', { cloud: 'research', region: 'RegionOne' });
    const network = Network.fromName(this, 'Net', 'auto_allocated_network');
    const service = new LoadBalancedService(this, 'App', {
      platform: OpenStackPlatform.nginx({
        network,
        image: 'Ubuntu-24.04',
        flavor: 'm1.medium',
        balancer: {
          flavor: 'm1.small',
          floatingIpPool: 'public',
          keyPair: KeyPair.fromName(this, 'Operators', 'operators'),
          ssh: { user: 'ubuntu' },
          adminAccess: ['198.51.100.0/24'],
        },
      }),
      port: 8080,
      pool: { algorithm: Algorithm.leastConnections() },
      redis: { envPrefix: 'APP_REDIS_' }, // Redis for the workers, its URL and password as env
      listeners: [{ port: 80, allowedCidrs: ['0.0.0.0/0'] }],
    });
    // your own resources, from the same bindings, beside webfarm's
    new objectstorageContainerV1.ObjectstorageContainerV1(this, 'Backups', { name: 'app-backups' });
    new TerraformOutput(this, 'address', { value: service.address });
  }
}
// README:end
