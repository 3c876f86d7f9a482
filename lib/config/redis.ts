import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';
import { requireTokenText, tokenRule } from '../core/token-rules';
import { checkInteger, checkOneOf, checkPort, parseIp } from '../core/validate';
import { checkAbsolutePath } from './systemd';

/** What Redis does when `maxmemory` is reached. */
export type RedisEvictionPolicy =
  | 'noeviction'
  | 'allkeys-lru'
  | 'allkeys-lfu'
  | 'allkeys-random'
  | 'volatile-lru'
  | 'volatile-lfu'
  | 'volatile-random'
  | 'volatile-ttl';

const POLICIES: readonly RedisEvictionPolicy[] = [
  'noeviction',
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl',
];

/**
 * Commands disabled by default (`rename-command X ""`): wiping data (FLUSHALL, FLUSHDB),
 * reconfiguring or stopping the server from a client (CONFIG, DEBUG, SHUTDOWN, MODULE,
 * REPLICAOF/SLAVEOF, MIGRATE), and KEYS, which blocks the server on a large data set.
 */
export const REDIS_DANGEROUS_COMMANDS: readonly string[] = [
  'FLUSHALL',
  'FLUSHDB',
  'CONFIG',
  'DEBUG',
  'SHUTDOWN',
  'MODULE',
  'REPLICAOF',
  'SLAVEOF',
  'MIGRATE',
  'KEYS',
];

/** TLS for Redis (`tls-port`). The files must exist on the host, readable by the redis user. */
export interface RedisTlsConfig {
  /**
   * The TLS port.
   * @default 6380
   */
  readonly port?: number;
  /** Server certificate (PEM), absolute path on the host. */
  readonly certFile: string;
  /** Its private key (PEM), absolute path on the host. */
  readonly keyFile: string;
  /**
   * CA bundle that signs client certificates; required when clients must present one.
   * @default - none
   */
  readonly caCertFile?: string;
  /**
   * Client certificates: `no` (password only), `optional`, `yes`.
   * @default 'no'
   */
  readonly authClients?: 'no' | 'optional' | 'yes';
  /**
   * Serve TLS only: the plain-text port is closed (`port 0`).
   * @default false
   */
  readonly tlsOnly?: boolean;
}

/** The typed model of a `redis.conf` (Redis 6.2/7.x). */
export interface RedisConfig {
  /**
   * Addresses to listen on: the host's private address (usually a Terraform reference) and
   * `127.0.0.1`. There is no "all addresses" form: `0.0.0.0` and `*` are rejected.
   */
  readonly bind: readonly string[];
  /**
   * Listen on every interface (`bind * -::*`), for a container: its network namespace has only
   * loopback and the stack network, so "every interface" is exactly those two, and no port is
   * published. `bind` must then be empty. Never on a host, whose other interfaces would be
   * reachable.
   * @default false
   */
  readonly containerInterfaces?: boolean;
  /**
   * The plain-text port.
   * @default 6379
   */
  readonly port?: number;
  /**
   * The password clients send with `AUTH` (`requirepass`), usually a reference to a generated
   * `random_password` whose characters need no quoting.
   */
  readonly password: string;
  /** Data directory for the append-only file, on the data volume's mount. */
  readonly dataDir: string;
  /**
   * Memory limit in MiB (`maxmemory`).
   * @default 256
   */
  readonly maxMemoryMb?: number;
  /**
   * What happens when the limit is reached. `noeviction` refuses writes instead of dropping
   * data silently.
   * @default 'noeviction'
   */
  readonly maxMemoryPolicy?: RedisEvictionPolicy;
  /**
   * `appendfsync`: `everysec` loses at most a second of writes on a crash.
   * @default 'everysec'
   */
  readonly appendFsync?: 'always' | 'everysec' | 'no';
  /**
   * Number of logical databases.
   * @default 16
   */
  readonly databases?: number;
  /**
   * Commands disabled with `rename-command X ""`.
   * @default REDIS_DANGEROUS_COMMANDS
   */
  readonly disabledCommands?: readonly string[];
  /**
   * TLS port and certificates.
   * @default - no TLS
   */
  readonly tls?: RedisTlsConfig;
  /**
   * Log file; `""` logs to standard output (the journal under systemd).
   * @default ''
   */
  readonly logFile?: string;
  /**
   * PID file (the path the distribution's systemd unit expects in `PIDFile=`).
   * @default '/run/redis/redis-server.pid'
   */
  readonly pidFile?: string;
}

/**
 * Quotes one argument of a `redis.conf` directive. Plain words are written bare; anything else
 * is double-quoted with `\\` and `\"` escaped (Redis's `sdssplitargs` reads it back exactly).
 * Line breaks and other control characters are rejected. A Terraform token is double-quoted as
 * it is: it must resolve to text without `"`, `\\` or line breaks (addresses and generated
 * passwords do).
 */
export function quoteRedisArg(value: string, path = 'redis.conf', what = 'argument'): string {
  if (isUnresolved(value)) {
    requireTokenText(value, tokenRule('doubleQuoted', path, what));
    return `"${value}"`;
  }
  if (hasControlCharacter(value)) {
    throw new ValidationError({
      path,
      what,
      value,
      allowed: 'printable text without line breaks or control characters',
      fix: 'remove the control characters',
    });
  }
  if (/^[A-Za-z0-9._@+/:,=-]+$/.test(value)) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** True when `text` holds a control character (C0 or DEL), which no redis.conf argument may. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Renders `redis.conf`. Checked by starting `redis-server` on it (test/config/redis.test.ts). */
export function renderRedisConf(config: RedisConfig, path = 'redis.conf'): string {
  checkRedisConfig(config, path);
  const q = (value: string, what: string): string => quoteRedisArg(value, path, what);
  const tls = config.tls;
  const port = tls?.tlsOnly ? 0 : (config.port ?? 6379);
  const lines: string[] = [
    '# redis.conf written by webfarm. Changes here are replaced on the next instance rebuild.',
    '',
    '# Network: the private address and loopback only, a password always.',
    config.containerInterfaces
      ? 'bind * -::*'
      : `bind ${config.bind.map((b) => q(b, 'bind address')).join(' ')}`,
    'protected-mode yes',
    `port ${port}`,
    'tcp-backlog 511',
    'timeout 0',
    'tcp-keepalive 300',
    `requirepass ${q(config.password, 'password')}`,
  ];
  if (tls) {
    lines.push(
      '',
      '# TLS.',
      `tls-port ${tls.port ?? 6380}`,
      `tls-cert-file ${q(tls.certFile, 'tls certFile')}`,
      `tls-key-file ${q(tls.keyFile, 'tls keyFile')}`,
      ...(tls.caCertFile ? [`tls-ca-cert-file ${q(tls.caCertFile, 'tls caCertFile')}`] : []),
      `tls-auth-clients ${tls.authClients ?? 'no'}`,
      'tls-protocols "TLSv1.2 TLSv1.3"',
      'tls-prefer-server-ciphers yes',
    );
  }
  lines.push(
    '',
    '# Process: foreground, supervised by systemd (the unit passes --supervised systemd).',
    'daemonize no',
    `pidfile ${q(config.pidFile ?? '/run/redis/redis-server.pid', 'pidFile')}`,
    `logfile ${q(config.logFile ?? '', 'logFile')}`,
    'loglevel notice',
    `databases ${config.databases ?? 16}`,
    '',
    '# Memory.',
    `maxmemory ${config.maxMemoryMb ?? 256}mb`,
    `maxmemory-policy ${config.maxMemoryPolicy ?? 'noeviction'}`,
    '',
    '# Persistence: append-only file on the data volume.',
    `dir ${q(config.dataDir, 'dataDir')}`,
    'appendonly yes',
    'appendfilename "appendonly.aof"',
    `appendfsync ${config.appendFsync ?? 'everysec'}`,
    'aof-use-rdb-preamble yes',
    'save ""',
    '',
    '# Dangerous commands disabled.',
    ...(config.disabledCommands ?? REDIS_DANGEROUS_COMMANDS).map((c) => `rename-command ${c} ""`),
  );
  return `${lines.join('\n')}\n`;
}

function checkRedisConfig(config: RedisConfig, path: string): void {
  if (config.containerInterfaces) {
    if (config.bind.length !== 0) {
      throw new ValidationError({
        path,
        what: 'bind with containerInterfaces',
        value: config.bind,
        allowed: 'an empty bind list (every interface of the container is bound)',
        fix: 'give bind: [] with containerInterfaces, or leave containerInterfaces out',
      });
    }
  } else if (config.bind.length === 0) {
    throw new ValidationError({
      path,
      what: 'bind',
      value: [],
      allowed: 'one or more addresses of the host',
      fix: 'bind the private address and "127.0.0.1"',
    });
  }
  for (const address of config.bind) {
    if (isUnresolved(address)) continue;
    if (address === '0.0.0.0' || address === '*' || address === '::' || address === '-::*') {
      throw new ValidationError({
        path,
        what: 'bind address',
        value: address,
        allowed: 'a specific address of the host (its private address, 127.0.0.1)',
        fix: 'bind the private address; security groups then decide who may connect',
      });
    }
    if (!parseIp(address.replace(/^-/, ''))) {
      throw new ValidationError({
        path,
        what: 'bind address',
        value: address,
        allowed: 'an IPv4 or IPv6 address',
        fix: 'give the address, e.g. "10.0.0.5"',
      });
    }
  }
  if (!isUnresolved(config.password)) {
    if (typeof config.password !== 'string' || config.password.length < 16) {
      throw new ValidationError({
        path,
        what: 'password',
        value: '(hidden)',
        allowed: 'at least 16 characters',
        fix: 'use the generated password (RedisHost makes one), or a long random one',
      });
    }
    quoteRedisArg(config.password, path, 'password');
  }
  checkAbsolutePath(path, 'dataDir', config.dataDir);
  if (config.pidFile !== undefined) checkAbsolutePath(path, 'pidFile', config.pidFile);
  if (config.port !== undefined) checkPort(path, 'port', config.port);
  if (config.maxMemoryMb !== undefined) {
    checkInteger(
      path,
      'maxMemoryMb',
      config.maxMemoryMb,
      1,
      1048576,
      'give the memory limit in MiB, e.g. 512',
    );
  }
  if (config.maxMemoryPolicy !== undefined && !POLICIES.includes(config.maxMemoryPolicy)) {
    throw new ValidationError({
      path,
      what: 'maxMemoryPolicy',
      value: config.maxMemoryPolicy,
      allowed: POLICIES.join(', '),
      fix: 'use "noeviction" to keep data, or an LRU/LFU policy for a cache',
    });
  }
  if (config.databases !== undefined) {
    checkInteger(path, 'databases', config.databases, 1, 1024, 'give the number of databases, e.g. 16');
  }
  for (const command of config.disabledCommands ?? []) {
    if (!/^[A-Za-z][A-Za-z-]*$/.test(command)) {
      throw new ValidationError({
        path,
        what: 'disabled command',
        value: command,
        allowed: 'a Redis command name such as "FLUSHALL"',
        fix: 'name the command as `COMMAND LIST` shows it',
      });
    }
  }
  if (config.appendFsync !== undefined)
    checkOneOf(path, 'appendFsync', config.appendFsync, ['always', 'everysec', 'no'] as const);
  const tls = config.tls;
  if (tls) {
    if (tls.authClients !== undefined)
      checkOneOf(path, 'tls authClients', tls.authClients, ['no', 'optional', 'yes'] as const);
    checkPort(path, 'tls port', tls.port ?? 6380);
    checkAbsolutePath(path, 'tls certFile', tls.certFile);
    checkAbsolutePath(path, 'tls keyFile', tls.keyFile);
    if (tls.caCertFile !== undefined) checkAbsolutePath(path, 'tls caCertFile', tls.caCertFile);
    if ((tls.authClients ?? 'no') !== 'no' && tls.caCertFile === undefined) {
      throw new ValidationError({
        path,
        what: 'tls authClients',
        value: tls.authClients,
        allowed: '"no" unless a caCertFile is given (Redis cannot check client certificates without a CA)',
        fix: 'give caCertFile, or set authClients to "no"',
      });
    }
    if (!tls.tlsOnly && (tls.port ?? 6380) === (config.port ?? 6379)) {
      throw new ValidationError({
        path,
        what: 'tls port',
        value: tls.port ?? 6380,
        allowed: `a port other than the plain-text port ${config.port ?? 6379}`,
        fix: 'use 6380 for TLS, or set tlsOnly to close the plain-text port',
      });
    }
  }
}

/** Where and how clients reach a Redis server. */
export interface RedisEndpoint {
  /** Address or host name (usually a Terraform reference). */
  readonly host: string;
  /** The port clients use (the TLS port when `tls`). */
  readonly port: number;
  /** The password. */
  readonly password: string;
  /**
   * The logical database the application uses.
   * @default 0
   */
  readonly database?: number;
  /**
   * Clients connect with TLS (`rediss://`).
   * @default false
   */
  readonly tls?: boolean;
}

/**
 * The environment a client gets: `<prefix>URL` (`redis://host:port`, `rediss://` with TLS),
 * `<prefix>PASSWORD`, `<prefix>DATABASE`. The prefix is the application's naming, e.g. the seed
 * VISA platform's `VISA_VDI_REDIS_` gives `VISA_VDI_REDIS_URL`, `VISA_VDI_REDIS_PASSWORD`,
 * `VISA_VDI_REDIS_DATABASE`.
 */
export function redisConnectionEnv(endpoint: RedisEndpoint, prefix = 'REDIS_'): Record<string, string> {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(prefix)) {
    throw new ValidationError({
      path: 'redis connection env',
      what: 'prefix',
      value: prefix,
      allowed: 'upper-case letters, digits and "_", not starting with a digit (e.g. "VISA_VDI_REDIS_")',
      fix: 'write the prefix of the variable names the application reads',
    });
  }
  const database = endpoint.database ?? 0;
  checkInteger('redis connection env', 'database', database, 0, 1023, 'give the database number, e.g. 0');
  checkPort('redis connection env', 'port', endpoint.port);
  const host =
    !isUnresolved(endpoint.host) && endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return {
    [`${prefix}URL`]: `${endpoint.tls ? 'rediss' : 'redis'}://${host}:${endpoint.port}`,
    [`${prefix}PASSWORD`]: endpoint.password,
    [`${prefix}DATABASE`]: String(database),
  };
}
