import { Construct } from 'constructs';
import { TerraformStack } from '../lib/core/cdk';
import { KeyPair, Network, NginxBalancer, WorkerGroup } from '../lib';

/**
 * A balancer whose pool `app` belongs to a deployment tool (the seed's swarms come and go): the
 * push creates the pool empty and never touches it again; `webfarm nodes` or `webfarm/runtime`
 * (see `examples/deployment-tool.ts`) change its nodes. Pool `static` stays Terraform's.
 */
export class RuntimePoolsStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const network = Network.fromName(this, 'Net', 'auto_allocated_network');
    const statics = new WorkerGroup(this, 'Static', {
      network,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.small',
      count: 2,
      appPort: 8080,
    });
    // README:begin
    const lb = new NginxBalancer(this, 'Balancer', {
      network,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.small',
      floatingIpPool: 'public',
      keyPair: KeyPair.fromName(this, 'Operators', 'operators'),
      ssh: { user: 'ubuntu' },
      adminAccess: ['198.51.100.0/24'],
    });
    const app = lb.addPool('app', { port: 8000, runtimeManaged: true }); // the deployment tool's
    const files = lb.addPool('static', { port: 8080 }); // Terraform's
    files.addTarget(statics);
    lb.addListener('http', {
      port: 80,
      defaultPool: app,
      rules: [{ pool: files, pathPrefix: '/static/' }],
      allowedCidrs: ['0.0.0.0/0'],
    });
    // README:end
  }
}
