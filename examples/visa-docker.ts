import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from '../lib/core/cdk';
import { Algorithm } from '../lib/core/balancing';
import { DockerNetwork } from '../lib/docker/network';
import { DockerPlatform } from '../lib/docker/platform';
import { LoadBalancedService } from '../lib/patterns/load-balanced-service';

/** The stand-in app the twin runs (examples/twin/app.py: names its node, answers websockets). */
export const TWIN_APP = fs.readFileSync(path.join(__dirname, 'twin', 'app.py'), 'utf8');

/** Options of the laptop twins. */
export interface TwinProps {
  /**
   * Ports on your machine per listener id (port 80 is often taken on a laptop).
   * @default - VISA: `{ http: 8080 }`; PAVICS: each service on its own port
   */
  readonly hostPorts?: Readonly<Record<string, number>>;
}

/**
 * The VISA deployment (`visa`) as a laptop twin on Docker, with the same `LoadBalancedService`
 * call and another platform: two app containers, exactly one primary, nginx round robin in front
 * (websocket upgrades pass through), Redis with a generated password wired into the apps'
 * environment. nginx gets the same pool and listener files as the OpenStack host. `cdktf
 * deploy` it, then `curl http://127.0.0.1:8080/`.
 */
export class VisaDockerStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: TwinProps = {}) {
    super(scope, id);
    // README:begin
    const network = new DockerNetwork(this, 'Network');
    const platform = DockerPlatform.nginx({
      network,
      image: 'python:3.12-slim', // the stand-in app; your own image in real use
      command: ['python3', '/opt/twin/app.py', '8080'],
      files: [{ path: '/opt/twin/app.py', content: TWIN_APP }],
      healthCheck: { command: ['CMD', 'python3', '/opt/twin/app.py', '--check', '8080'], intervalSeconds: 1 },
      // published on 127.0.0.1; websockets may stay silent for an hour, as on OpenStack
      balancer: { hostPorts: props.hostPorts ?? { http: 8080 }, timeouts: { readSeconds: 3600 } },
      preventDestroy: false, // a twin's Redis data is disposable: destroy removes it
    });
    const visa = new LoadBalancedService(this, 'Visa', {
      platform,
      port: 8080,
      count: 2,
      pool: { algorithm: Algorithm.roundRobin() },
      roles: {
        primaryEnvironment: { VISA_SCHEDULER_ENABLED: 'true', VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP: 'true' },
        secondaryEnvironment: {
          VISA_SCHEDULER_ENABLED: 'false',
          VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP: 'false',
        },
      },
      redis: { envPrefix: 'VISA_VDI_REDIS_' },
      listeners: [{ port: 80, allowedCidrs: ['0.0.0.0/0'] }],
    });
    // README:end
    new TerraformOutput(this, 'address', { value: visa.address });
  }
}
