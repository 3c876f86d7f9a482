import { Construct } from 'constructs';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { Connections, IConnectable } from '../core/connections';
import { ensureProvider } from '../core/providers';
import { DOCKER_PROVIDER, dockerName } from './provider';

/** Props of {@link DockerVolume}. */
export interface DockerVolumeProps {
  /**
   * The volume's name on the engine.
   * @default - `<stack>-<id>`, lowercased
   */
  readonly name?: string;
  /**
   * Refuse `terraform destroy` of the volume (`prevent_destroy`, DESIGN decision 8). A laptop
   * twin's data is usually disposable: give `false` to let `cdktf destroy` remove it.
   * @default true
   */
  readonly preventDestroy?: boolean;
}

/**
 * A named volume: shared files mounted by every container of a group (the NFS export's
 * stand-in on a laptop), or a Redis container's data. It outlives the containers that mount it.
 */
export class DockerVolume extends Construct implements IConnectable {
  /** The `docker_volume`. */
  public readonly resource: Volume;
  /** The volume's name. */
  public readonly name: string;
  /** Connections without security groups: a volume is reached by mounting it, not over the network. */
  public readonly connections = new Connections({ path: this.node.path });

  constructor(scope: Construct, id: string, props: DockerVolumeProps = {}) {
    super(scope, id);
    ensureProvider(this, DOCKER_PROVIDER);
    this.name = dockerName(this, 'name', id, props.name);
    this.resource = new Volume(this, 'Resource', {
      name: this.name,
      lifecycle: { preventDestroy: props.preventDestroy ?? true },
    });
  }
}
