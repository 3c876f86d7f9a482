import { Construct } from 'constructs';
import { Network } from '@cdktf/provider-docker/lib/network';
import { ensureProvider } from '../core/providers';
import { DOCKER_PROVIDER, dockerName } from './provider';

/** Props of {@link DockerNetwork}. */
export interface DockerNetworkProps {
  /**
   * The network's name on the engine.
   * @default - `<stack>-<id>`, lowercased
   */
  readonly name?: string;
}

/**
 * The stack's user-defined bridge network: every container of the stack joins it and reaches
 * the others by address. On Docker, reachability is network membership: there are no security
 * groups, so what `connections.allowFrom` declares on a Docker construct writes no rule, and
 * everything on the network can reach everything else on it. Only balancer listener ports are
 * published to the machine (on 127.0.0.1 unless you name another address).
 */
export class DockerNetwork extends Construct {
  /** The `docker_network`. */
  public readonly resource: Network;
  /** The network's name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: DockerNetworkProps = {}) {
    super(scope, id);
    ensureProvider(this, DOCKER_PROVIDER);
    this.name = dockerName(this, 'name', id, props.name);
    this.resource = new Network(this, 'Resource', { name: this.name, driver: 'bridge' });
  }
}
