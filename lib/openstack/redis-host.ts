import { Construct } from 'constructs';
import { Password } from '@cdktf/provider-random/lib/password';
import { TerraformOutput } from '../core/cdk';
import { Connections, IConnectable } from '../core/connections';
import { ValidationError } from '../core/errors';
import { Port } from '../core/port';
import { checkInteger, checkObject } from '../core/validate';
import { CloudConfig } from '../config/cloud-init';
import { redisConnectionEnv, RedisEvictionPolicy, RedisTlsConfig, renderRedisConf } from '../config/redis';
import {
  PREPARE_VOLUME_PATH,
  serviceRequiresMountDropIn,
  prepareVolumeCommand,
  renderPrepareVolumeScript,
} from '../config/systemd-volume';
import { IAdminAccess, adminAccessOf, keyPairNameOf } from './admin-access';
import { dataVolumeOf, Host, HostVolume, HostVolumeOptions } from './host';
import { IKeyPair } from './keypair';
import { checkNetwork, INetwork } from './network';
import { generatedSecret } from '../hosting/secrets';
import { SecurityGroup } from './security-group';
import { ServerGroup } from './server-group';

/** Where the data volume is mounted on a Redis host; `dir` of redis.conf. */
export const REDIS_DATA_DIR = '/srv/redis';

/** Props of {@link RedisHost}. */
export interface RedisHostProps {
  /** The network the host is on (usually the workers'). */
  readonly network: INetwork;
  /** Image name: Debian or Ubuntu (the `redis-server` package), e.g. `Featured-Ubuntu24`. */
  readonly image: string;
  /** Flavor name, e.g. `m3.small`. */
  readonly flavor: string;
  /**
   * Instance name (and the base of the volume's and the output's names).
   * @default - the construct id, lowercased
   */
  readonly name?: string;
  /**
   * The data volume (the append-only file lives there): `sizeGiB` (default 10), `volumeType`,
   * and `preventDestroy` (default true: `lifecycle.prevent_destroy`, so `terraform destroy`, or
   * a change that would replace the volume, stops with an error instead of deleting the data;
   * set `false` only for throw-away environments, the volume and every message and key in it
   * are then deleted with the stack). Replacing the instance never touches the volume either
   * way (it is a separate resource, attached by a separate attachment).
   * @default - 10 GiB of the cloud's default type, destroy refused
   */
  readonly dataVolume?: HostVolumeOptions;
  /**
   * The old name of `dataVolume.sizeGiB`.
   *
   * @deprecated Use `dataVolume.sizeGiB` instead (one volume shape, the unit is GiB). Still
   * accepted; giving both with different values is a `ValidationError`.
   */
  readonly volumeSizeGb?: number;
  /**
   * The old name of `dataVolume.volumeType`.
   *
   * @deprecated Use `dataVolume.volumeType` instead. Still accepted; giving both with different
   * values is a `ValidationError`.
   */
  readonly volumeType?: string;
  /**
   * The old name of `dataVolume.preventDestroy`.
   *
   * @deprecated Use `dataVolume.preventDestroy` instead (the name every construct uses). Still
   * accepted; giving both with different values is a `ValidationError`.
   */
  readonly retainData?: boolean;
  /**
   * Memory limit of Redis (`maxmemory`), MiB. Leave room for the OS and for the copy-on-write of
   * an append-only-file rewrite: about half the flavor's memory.
   * @default 256
   */
  readonly maxMemoryMb?: number;
  /**
   * What Redis does at the limit.
   * @default 'noeviction' (writes are refused; nothing is dropped silently)
   */
  readonly maxMemoryPolicy?: RedisEvictionPolicy;
  /**
   * How often Redis flushes the append-only file to disk (`appendfsync`): `always` on every
   * write, `everysec` (at most a second of writes lost on a crash) or `no` (the kernel decides).
   * @default 'everysec'
   */
  readonly appendFsync?: 'always' | 'everysec' | 'no';
  /**
   * The database number `connectionEnv` hands to clients.
   * @default 0
   */
  readonly database?: number;
  /**
   * TLS: `tls-port` with your certificate files (put them on the host with `cloudConfig`,
   * owner `redis`, written `defer: true`). Clients are then given `rediss://…` and only the TLS
   * port is opened to them; with `tlsOnly` the plain-text port is closed entirely.
   * @default - no TLS (plain text on the private network, password required)
   */
  readonly tls?: RedisTlsConfig;
  /**
   * Length of the generated password.
   * @default 32
   */
  readonly passwordLength?: number;
  /**
   * Name of the sensitive Terraform output holding the password
   * (`terraform output -raw <name>`).
   * @default - `<name>_password`, `-` turned into `_`
   */
  readonly passwordOutputName?: string;
  /**
   * More first-boot configuration (certificate files, monitoring agents), merged after webfarm's.
   * @default - none
   */
  readonly cloudConfig?: CloudConfig;
  /**
   * Keypair for the image's default user.
   * @default - none
   */
  readonly keyPair?: IKeyPair;
  /**
   * SSH for administrators (`AdminAccess`): tcp/22 from the admin networks or the bastion.
   * A list of CIDR blocks (`['198.51.100.0/24']`) is the administrators' networks: tcp/22 from
   * each of them, as an `AdminAccess` without a bastion opens it.
   * @default - no SSH rule
   */
  readonly adminAccess?: IAdminAccess | string[];
  /**
   * Server group for placement.
   * @default - none
   */
  readonly serverGroup?: ServerGroup;
}

/**
 * Redis for messaging between app nodes (the seed VISA platform's socket.io pub/sub), on one
 * instance with a separate data volume:
 *
 * - a generated password (`random_password`, characters that need no quoting anywhere), a
 *   sensitive output; `redis.conf` binds the private address and 127.0.0.1, `protected-mode
 *   yes`, dangerous commands disabled, append-only file on the volume;
 * - its own security group that admits nothing until you say who: `redis.allowFrom(workers)`
 *   opens the client port from the workers' group only;
 * - `redis.connectionEnv('VISA_VDI_REDIS_')` gives the app `…URL`, `…PASSWORD`, `…DATABASE`.
 *
 * The data volume is formatted only when blank, mounted by device path with `nofail`, and
 * `prevent_destroy` by default; the instance can be replaced (image, user data) or resized
 * (flavor) and the same volume is attached again.
 *
 * **The password is in the Terraform state and in the instance's user data** (readable on the
 * host through the metadata service): treat both as secrets.
 */
export class RedisHost extends Construct implements IConnectable {
  /** The instance and its port. */
  public readonly host: Host;
  /** The host's security group. */
  public readonly securityGroup: SecurityGroup;
  /** The data volume and its attachment. */
  public readonly volume: HostVolume;
  /** Redis's connections; the default port is the client port (TLS port with TLS). */
  public readonly connections: Connections;
  /** The private address (a Terraform reference). */
  public readonly privateAddress: string;
  /** The port clients use (6379, or the TLS port). */
  public readonly port: number;
  /** The generated password (a sensitive Terraform reference). */
  public readonly password: string;
  /** The `random_password` resource. */
  public readonly passwordResource: Password;
  /** The sensitive output with the password. */
  public readonly passwordOutput: TerraformOutput;
  /** The client URL, `redis://<address>:6379` (`rediss://` with TLS). */
  public readonly url: string;
  /** The database clients use. */
  public readonly database: number;
  /** The rendered `redis.conf` (token markers in place). */
  public readonly redisConf: string;

  private readonly tls: boolean;

  constructor(scope: Construct, id: string, props: RedisHostProps) {
    super(scope, id);
    checkObject(this.node.path, 'props', props, '{ network, image: "debian-12", flavor: "m1.small" }');
    checkNetwork(this.node.path, props.network);
    const path = this.node.path;
    const adminAccess = adminAccessOf(this, path, props.adminAccess);
    const name = props.name ?? id.toLowerCase();
    this.database = props.database ?? 0;
    checkInteger(path, 'database', this.database, 0, 15, 'give a database number from 0 to 15');
    const dataVolume = dataVolumeOf(path, props, { sizeGiB: 10, example: 10 });
    if (props.passwordLength !== undefined) {
      checkInteger(path, 'passwordLength', props.passwordLength, 16, 256, 'use at least 16, e.g. 32');
    }
    const outputName = props.passwordOutputName ?? `${name.replace(/-/g, '_')}_password`;
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(outputName)) {
      throw new ValidationError({
        path,
        what: 'passwordOutputName',
        value: outputName,
        allowed: 'a Terraform output name: letters, digits, "_" and "-", not starting with a digit',
        fix: 'give passwordOutputName, e.g. "redis_password"',
      });
    }
    this.tls = props.tls !== undefined;
    this.port = props.tls ? (props.tls.port ?? 6380) : 6379;

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      description: `webfarm redis ${path}: clients named by allowFrom only`,
    });
    this.connections = new Connections({
      path: this.node.path,
      securityGroups: [this.securityGroup],
      defaultPort: Port.tcp(this.port),
    });

    this.passwordResource = generatedSecret(this, 'Password', { length: props.passwordLength ?? 32 });
    this.password = this.passwordResource.result;
    this.passwordOutput = new TerraformOutput(this, 'PasswordOutput', {
      value: this.password,
      sensitive: true,
      description: `Redis password of ${path} (also in the Terraform state)`,
    });
    this.passwordOutput.overrideLogicalId(outputName);

    this.host = new Host(this, 'Server', {
      network: props.network,
      image: props.image,
      flavor: props.flavor,
      securityGroups: [this.securityGroup],
      keyPairName: keyPairNameOf(props.keyPair, adminAccess),
      role: 'redis',
      name,
      serverGroup: props.serverGroup,
    });
    this.privateAddress = this.host.privateAddress;
    this.volume = this.host.addVolume('data', dataVolume);

    this.redisConf = renderRedisConf(
      {
        bind: [this.privateAddress, '127.0.0.1'],
        password: this.password,
        dataDir: REDIS_DATA_DIR,
        maxMemoryMb: props.maxMemoryMb,
        maxMemoryPolicy: props.maxMemoryPolicy,
        appendFsync: props.appendFsync,
        tls: props.tls,
      },
      `${path} redis.conf`,
    );
    this.host.addCloudConfig(this.bootstrap());
    if (props.cloudConfig) this.host.addCloudConfig(props.cloudConfig);
    this.host.addCloudConfig({ runcmd: [['systemctl', 'restart', 'redis-server']] });
    adminAccess?.allowSshTo(this);

    this.url = this.connectionEnv().REDIS_URL;
  }

  /**
   * Lets `clients` (a worker group, a host) connect to Redis on the client port: an ingress rule
   * on Redis's group naming their group, nothing from anywhere else.
   */
  public allowFrom(clients: IConnectable, description = 'redis clients'): void {
    this.connections.allowFrom(clients, Port.tcp(this.port), description);
  }

  /**
   * The environment clients need: `<prefix>URL`, `<prefix>PASSWORD`, `<prefix>DATABASE`.
   * `workers.addEnvironment(redis.connectionEnv('VISA_VDI_REDIS_'))` gives the seed VISA
   * platform its `VISA_VDI_REDIS_URL`, `VISA_VDI_REDIS_PASSWORD` and `VISA_VDI_REDIS_DATABASE`.
   * The password value is a sensitive reference.
   */
  public connectionEnv(prefix = 'REDIS_'): Record<string, string> {
    return redisConnectionEnv(
      {
        host: this.privateAddress,
        port: this.port,
        password: this.password,
        database: this.database,
        tls: this.tls,
      },
      prefix,
    );
  }

  private bootstrap(): CloudConfig {
    const dropIn = serviceRequiresMountDropIn('redis-server', REDIS_DATA_DIR, { readWrite: true });
    return {
      packages: ['redis-server'],
      writeFiles: [
        { path: PREPARE_VOLUME_PATH, content: renderPrepareVolumeScript(), mode: '0755' },
        dropIn,
        {
          path: '/etc/sysctl.d/60-webfarm-redis.conf',
          content: '# webfarm: Redis forks to rewrite its append-only file\nvm.overcommit_memory = 1\n',
        },
        // After the package exists (defer): owned by its user, readable by nobody else.
        {
          path: '/etc/redis/redis.conf',
          content: this.redisConf,
          owner: 'redis:redis',
          mode: '0640',
          defer: true,
        },
      ],
      runcmd: [
        ['sysctl', '--system'],
        prepareVolumeCommand(this.volume.devicePath, REDIS_DATA_DIR, 'redis:redis'),
        ['systemctl', 'daemon-reload'],
        ['systemctl', 'enable', 'redis-server'],
      ],
    };
  }
}
