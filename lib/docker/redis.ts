import { Construct } from 'constructs';
import { Container } from '@cdktf/provider-docker/lib/container';
import { Image } from '@cdktf/provider-docker/lib/image';
import { Password } from '@cdktf/provider-random/lib/password';
import { TerraformOutput } from '../core/cdk';
import { Connections, IConnectable } from '../core/connections';
import { escapeTerraformTemplate } from '../core/escape';
import { ValidationError } from '../core/errors';
import { Port } from '../core/port';
import { checkInteger } from '../core/validate';
import { RedisEvictionPolicy, redisConnectionEnv, renderRedisConf } from '../config/redis';
import { generatedSecret } from '../hosting/secrets';
import { DEFAULT_IMAGES, containerImage } from './image';
import { DockerNetwork } from './network';
import { dockerName } from './provider';
import { DockerVolume } from './volume';

/** Where the official image reads the configuration webfarm uploads. */
const REDIS_CONF = '/usr/local/etc/redis/redis.conf';

/** Props of {@link DockerRedis}. */
export interface DockerRedisProps {
  /** The stack network: the only way to Redis (no port is published). */
  readonly network: DockerNetwork;
  /**
   * The image.
   * @default 'redis:7.4' - the official image, pinned
   */
  readonly image?: string;
  /**
   * The container's name on the engine (the data volume is `<name>-data`).
   * @default - `<stack>-<id>`, lowercased
   */
  readonly name?: string;
  /**
   * The database number `connectionEnv` hands to clients.
   * @default 0
   */
  readonly database?: number;
  /**
   * Length of the generated password.
   * @default 32
   */
  readonly passwordLength?: number;
  /**
   * `maxmemory` in MiB.
   * @default 256
   */
  readonly maxMemoryMb?: number;
  /**
   * What Redis evicts when full.
   * @default 'noeviction'
   */
  readonly maxMemoryPolicy?: RedisEvictionPolicy;
  /**
   * How often Redis flushes the append-only file to disk (`appendfsync`): `always` on every
   * write, `everysec` (at most a second of writes lost on a crash) or `no` (the kernel decides).
   * @default 'everysec'
   */
  readonly appendFsync?: 'always' | 'everysec' | 'no';
  /**
   * Refuse `terraform destroy` of the data volume (DESIGN decision 8). A laptop twin's data is
   * usually disposable: give `false` to let `cdktf destroy` remove it.
   * @default true
   */
  readonly preventDestroy?: boolean;
}

/**
 * Redis in a container (the official `redis` image), the laptop twin of `RedisHost`: a
 * generated password (`random_password`, `requirepass`), the same `redis.conf` renderer, the
 * append-only data on a named volume that outlives the container, and no published port: only
 * containers on the stack network reach it. `connectionEnv(prefix)` gives clients the same
 * `…URL`, `…PASSWORD`, `…DATABASE` as `RedisHost` does.
 *
 * On Docker there are no security groups: `allowFrom` records the intent and writes no rule
 * (every container of the stack network can connect, and must know the password).
 */
export class DockerRedis extends Construct implements IConnectable {
  /** The container. */
  public readonly container: Container;
  /** The image resource. */
  public readonly image: Image;
  /** The data volume. */
  public readonly volume: DockerVolume;
  /** Connections without security groups (default port 6379). */
  public readonly connections: Connections;
  /** The address on the stack network. */
  public readonly privateAddress: string;
  /** The client port. */
  public readonly port = 6379;
  /** The generated password (a sensitive Terraform reference). */
  public readonly password: string;
  /** The `random_password` resource. */
  public readonly passwordResource: Password;
  /** The sensitive output with the password. */
  public readonly passwordOutput: TerraformOutput;
  /** The client URL, `redis://<address>:6379`. */
  public readonly url: string;
  /** The database clients use. */
  public readonly database: number;
  /** The rendered `redis.conf` (token markers in place). */
  public readonly redisConf: string;

  constructor(scope: Construct, id: string, props: DockerRedisProps) {
    super(scope, id);
    const path = this.node.path;
    const name = dockerName(this, 'name', id, props.name);
    this.database = props.database ?? 0;
    checkInteger(path, 'database', this.database, 0, 15, 'give a database number from 0 to 15');
    if (props.passwordLength !== undefined) {
      checkInteger(path, 'passwordLength', props.passwordLength, 16, 256, 'use at least 16, e.g. 32');
    }
    if (props.preventDestroy !== undefined && typeof props.preventDestroy !== 'boolean') {
      throw new ValidationError({
        path,
        what: 'preventDestroy',
        value: props.preventDestroy,
        allowed: 'true or false',
        fix: 'leave it out to protect the data, or give false for a disposable twin',
      });
    }
    this.connections = new Connections({ defaultPort: Port.tcp(this.port), path: this.node.path });
    this.passwordResource = generatedSecret(this, 'Password', { length: props.passwordLength ?? 32 });
    this.password = this.passwordResource.result;
    this.passwordOutput = new TerraformOutput(this, 'PasswordOutput', {
      value: this.password,
      sensitive: true,
      description: `Redis password of ${path} (also in the Terraform state)`,
    });
    this.volume = new DockerVolume(this, 'Data', {
      name: `${name}-data`,
      preventDestroy: props.preventDestroy,
    });
    this.redisConf = renderRedisConf(
      {
        // The container's own interfaces: the stack network and loopback; nothing is published.
        bind: [],
        containerInterfaces: true,
        password: this.password,
        dataDir: '/data',
        pidFile: '/tmp/redis-server.pid',
        maxMemoryMb: props.maxMemoryMb,
        maxMemoryPolicy: props.maxMemoryPolicy,
        appendFsync: props.appendFsync,
      },
      `${path} redis.conf`,
    );
    this.image = containerImage(this, props.image ?? DEFAULT_IMAGES.redis);
    this.container = new Container(this, 'Resource', {
      name,
      image: this.image.imageId,
      hostname: name,
      command: ['redis-server', REDIS_CONF],
      restart: 'unless-stopped',
      mustRun: true,
      networksAdvanced: [{ name: props.network.resource.name }],
      volumes: [{ volumeName: this.volume.resource.name, containerPath: '/data' }],
      upload: [{ file: REDIS_CONF, content: escapeTerraformTemplate(this.redisConf), permissions: '0644' }],
      labels: [{ label: 'org.webfarm.role', value: 'redis' }],
    });
    this.privateAddress = this.container.networkData.get(0).ipAddress;
    this.url = this.connectionEnv().REDIS_URL;
  }

  /** Records that `clients` connect to Redis (no rule: reachability is network membership). */
  public allowFrom(clients: IConnectable, description = 'redis clients'): void {
    this.connections.allowFrom(clients, Port.tcp(this.port), description);
  }

  /**
   * The environment clients need: `<prefix>URL`, `<prefix>PASSWORD`, `<prefix>DATABASE`, as
   * `RedisHost.connectionEnv` gives them.
   */
  public connectionEnv(prefix = 'REDIS_'): Record<string, string> {
    return redisConnectionEnv(
      { host: this.privateAddress, port: this.port, password: this.password, database: this.database },
      prefix,
    );
  }
}
