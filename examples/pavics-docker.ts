import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from '../lib/core/cdk';
import { Algorithm } from '../lib/core/balancing';
import { ContainerGroup } from '../lib/docker/container-group';
import { DockerNginxBalancer } from '../lib/docker/balancers';
import { DockerNetwork } from '../lib/docker/network';
import { TWIN_APP, TwinProps } from './visa-docker';

/** The load-balanced services and their ports (the same port on the proxy and the servers). */
const SERVICES = { flyingpigeon: 8093, malleefowl: 8091, hummingbird: 8094 };

/**
 * PAVICS (`pavics-nginx`) as a laptop twin on Docker: three server containers, each serving the
 * three service ports, behind one nginx container that picks the server by
 * `hash $http_machineid consistent`, one upstream per service. The balancer calls are those of
 * `pavics-nginx`, so nginx gets the same files.
 */
export class PavicsDockerStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: TwinProps = {}) {
    super(scope, id);
    const network = new DockerNetwork(this, 'Network');
    const servers = new ContainerGroup(this, 'Pavics', {
      network,
      name: 'pavics',
      count: 3,
      image: 'python:3.12-slim',
      command: ['python3', '/opt/twin/app.py', ...Object.values(SERVICES).map(String)],
      files: [{ path: '/opt/twin/app.py', content: TWIN_APP }],
      healthCheck: { command: ['CMD', 'python3', '/opt/twin/app.py', '--check', '8093'], intervalSeconds: 1 },
    });
    const lb = new DockerNginxBalancer(this, 'Proxy', { network, hostPorts: props.hostPorts });
    for (const [service, port] of Object.entries(SERVICES)) {
      const pool = lb.addPool(service, { port, algorithm: Algorithm.hashHeader('machineid') });
      pool.addTarget(servers);
      lb.addListener(service, { port, defaultPool: pool, allowedCidrs: ['0.0.0.0/0'] });
    }
    new TerraformOutput(this, 'address', { value: lb.publicAddress });
  }
}
