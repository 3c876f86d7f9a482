import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as fc from 'fast-check';
import { ValidationError } from '../../lib/core';
import {
  hasControlCharacter,
  quoteRedisArg,
  redisConnectionEnv,
  RedisConfig,
  REDIS_DANGEROUS_COMMANDS,
  renderRedisConf,
} from '../../lib/config/redis';
import { describeWithTools, tempDir, writeSelfSignedCertificate } from '../support/tools';
import { RespClient, RespError, RespReply } from './redis-client';
import { expectGolden as expectGoldenFile } from '../support/golden';

/** Compares with test/golden/redis/<name>; `UPDATE_GOLDEN=1` rewrites the file. */
function expectGolden(name: string, text: string): void {
  expectGoldenFile('redis', name, text);
}

const PASSWORD = 'Xk3_fQ9-pL2.vB7_mN4-sR8.tW1_yZ6a';

const BASE: RedisConfig = {
  bind: ['10.0.0.5', '127.0.0.1'],
  password: PASSWORD,
  dataDir: '/srv/redis',
  maxMemoryMb: 512,
};

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('renderRedisConf', () => {
  it('matches the golden file: private bind, protected mode, password, AOF on the volume, commands off', () => {
    // WHEN the default model is rendered
    const text = renderRedisConf(BASE);
    // THEN
    expectGolden('redis.conf', text);
    expect(text).toContain('bind 10.0.0.5 127.0.0.1\n');
    expect(text).toContain('protected-mode yes\n');
    expect(text).toContain(`requirepass ${PASSWORD}\n`);
    expect(text).toContain('appendonly yes\n');
    expect(text).toContain('dir /srv/redis\n');
    expect(text).toContain('maxmemory 512mb\nmaxmemory-policy noeviction\n');
    for (const c of ['FLUSHALL', 'FLUSHDB', 'CONFIG', 'DEBUG', 'KEYS']) {
      expect(text).toContain(`rename-command ${c} ""\n`);
    }
  });

  it('matches the golden file with TLS only: tls-port and port 0', () => {
    const text = renderRedisConf({
      ...BASE,
      tls: {
        certFile: '/etc/redis/tls/server.crt',
        keyFile: '/etc/redis/tls/server.key',
        caCertFile: '/etc/redis/tls/ca.crt',
        tlsOnly: true,
      },
    });
    expectGolden('redis-tls.conf', text);
    expect(text).toContain('port 0\n');
    expect(text).toContain('tls-port 6380\n');
    expect(text).toContain('tls-cert-file /etc/redis/tls/server.crt\n');
  });

  it('passes a Terraform token through as a double-quoted reference', () => {
    const token = '${TfToken[TOKEN.42]}';
    const text = renderRedisConf({ ...BASE, bind: [token, '127.0.0.1'], password: token });
    expect(text).toContain(`bind "${token}" 127.0.0.1\n`);
    expect(text).toContain(`requirepass "${token}"\n`);
  });

  it('rejects binding every address', () => {
    expect(() => renderRedisConf({ ...BASE, bind: ['0.0.0.0'] })).toThrow(
      'redis.conf: bind address "0.0.0.0" is not allowed; allowed: a specific address of the host (its private address, 127.0.0.1). Fix: bind the private address; security groups then decide who may connect',
    );
  });

  it('rejects a bind address that is not an address', () => {
    expect(() => renderRedisConf({ ...BASE, bind: ['localhost'] })).toThrow(
      'redis.conf: bind address "localhost" is not allowed; allowed: an IPv4 or IPv6 address',
    );
  });

  it('rejects an empty bind list', () => {
    expect(() => renderRedisConf({ ...BASE, bind: [] })).toThrow('redis.conf: bind [] is not allowed');
  });

  it('rejects a short password without printing it', () => {
    const e = errorOf(() => renderRedisConf({ ...BASE, password: 'secret' }));
    expect(e.message).toBe(
      'redis.conf: password "(hidden)" is not allowed; allowed: at least 16 characters. Fix: use the generated password (RedisHost makes one), or a long random one',
    );
    expect(e.message).not.toContain('secret');
  });

  it('rejects a password with a line break', () => {
    expect(() => renderRedisConf({ ...BASE, password: 'abcdefghijklmnop\nbind 0.0.0.0' })).toThrow(
      'redis.conf: password "abcdefghijklmnop\\nbind 0.0.0.0" is not allowed; allowed: printable text without line breaks or control characters',
    );
  });

  it('rejects a relative data directory', () => {
    expect(() => renderRedisConf({ ...BASE, dataDir: 'data' })).toThrow(
      'redis.conf: dataDir "data" is not allowed; allowed: an absolute path',
    );
  });

  it('rejects an unknown eviction policy', () => {
    expect(() =>
      renderRedisConf({ ...BASE, maxMemoryPolicy: 'lru' as unknown as RedisConfig['maxMemoryPolicy'] }),
    ).toThrow('redis.conf: maxMemoryPolicy "lru" is not allowed; allowed: noeviction, allkeys-lru');
  });

  it('rejects a zero memory limit', () => {
    expect(() => renderRedisConf({ ...BASE, maxMemoryMb: 0 })).toThrow(
      'redis.conf: maxMemoryMb 0 is not allowed; allowed: an integer from 1 to 1048576',
    );
  });

  it('rejects a disabled command that is not a command name', () => {
    expect(() => renderRedisConf({ ...BASE, disabledCommands: ['FLUSHALL ""\nbind'] })).toThrow(
      'redis.conf: disabled command "FLUSHALL \\"\\"\\nbind" is not allowed',
    );
  });

  it('rejects client certificates without a CA', () => {
    expect(() =>
      renderRedisConf({
        ...BASE,
        tls: { certFile: '/etc/redis/a.crt', keyFile: '/etc/redis/a.key', authClients: 'yes' },
      }),
    ).toThrow('redis.conf: tls authClients "yes" is not allowed; allowed: "no" unless a caCertFile is given');
  });

  it('rejects a TLS port equal to the plain-text port', () => {
    expect(() =>
      renderRedisConf({
        ...BASE,
        tls: { certFile: '/etc/redis/a.crt', keyFile: '/etc/redis/a.key', port: 6379 },
      }),
    ).toThrow(
      'redis.conf: tls port 6379 is not allowed; allowed: a port other than the plain-text port 6379',
    );
  });

  it('rejects a relative pid file', () => {
    expect(() => renderRedisConf({ ...BASE, pidFile: 'redis.pid' })).toThrow(
      'redis.conf: pidFile "redis.pid" is not allowed; allowed: an absolute path',
    );
  });

  it('rejects a port out of range', () => {
    expect(() => renderRedisConf({ ...BASE, port: 70000 })).toThrow(
      'redis.conf: port 70000 is not allowed; allowed: an integer from 1 to 65535',
    );
  });

  it('rejects zero databases', () => {
    expect(() => renderRedisConf({ ...BASE, databases: 0 })).toThrow(
      'redis.conf: databases 0 is not allowed; allowed: an integer from 1 to 1024',
    );
  });

  it('rejects a relative TLS certificate path', () => {
    expect(() =>
      renderRedisConf({ ...BASE, tls: { certFile: 'server.crt', keyFile: '/etc/redis/a.key' } }),
    ).toThrow('redis.conf: tls certFile "server.crt" is not allowed; allowed: an absolute path');
  });

  it('disables the dangerous commands by default', () => {
    expect(REDIS_DANGEROUS_COMMANDS).toEqual(
      expect.arrayContaining(['FLUSHALL', 'FLUSHDB', 'CONFIG', 'DEBUG', 'KEYS']),
    );
  });

  it('quotes or rejects every string (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        let quoted: string;
        try {
          quoted = quoteRedisArg(s);
        } catch (e) {
          // THEN a rejected string is one with a control character
          expect(e).toBeInstanceOf(ValidationError);
          expect(hasControlCharacter(s)).toBe(true);
          return;
        }
        // THEN an accepted string is one line, and bare only when it has no special characters
        expect(quoted).not.toMatch(/[\r\n]/);
        if (!quoted.startsWith('"')) expect(quoted).toBe(s);
      }),
      { numRuns: 500 },
    );
  });
});

describe('redisConnectionEnv', () => {
  it("names the variables by the caller's prefix (VISA_VDI_REDIS_ gives the VISA names)", () => {
    expect(
      redisConnectionEnv(
        { host: '10.0.0.5', port: 6379, password: PASSWORD, database: 2 },
        'VISA_VDI_REDIS_',
      ),
    ).toEqual({
      VISA_VDI_REDIS_URL: 'redis://10.0.0.5:6379',
      VISA_VDI_REDIS_PASSWORD: PASSWORD,
      VISA_VDI_REDIS_DATABASE: '2',
    });
  });

  it('uses rediss:// for TLS and brackets IPv6', () => {
    expect(
      redisConnectionEnv({ host: '2001:db8::5', port: 6380, password: PASSWORD, tls: true }).REDIS_URL,
    ).toBe('rediss://[2001:db8::5]:6380');
  });

  it('rejects a lower-case prefix', () => {
    expect(() => redisConnectionEnv({ host: 'h', port: 6379, password: PASSWORD }, 'redis_')).toThrow(
      'redis connection env: prefix "redis_" is not allowed; allowed: upper-case letters, digits and "_"',
    );
  });

  it('rejects a port out of range', () => {
    expect(() => redisConnectionEnv({ host: 'h', port: 0, password: PASSWORD })).toThrow(
      'redis connection env: port 0 is not allowed; allowed: an integer from 1 to 65535',
    );
  });

  it('rejects a database number out of range', () => {
    expect(() => redisConnectionEnv({ host: 'h', port: 6379, password: PASSWORD, database: 2000 })).toThrow(
      'redis connection env: database 2000 is not allowed; allowed: an integer from 0 to 1023',
    );
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface RunningRedis {
  readonly process: ChildProcess;
  readonly port: number;
  readonly log: () => string;
}

/** Starts redis-server on `conf` plus command-line overrides; resolves once it accepts connections. */
async function startRedis(confFile: string, overrides: string[], port: number): Promise<RunningRedis> {
  const child = spawn('redis-server', [confFile, ...overrides], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode}:\n${log}`);
    if (/Ready to accept connections/.test(log)) return { process: child, port, log: () => log };
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start:\n${log}`);
}

function stop(redis: RunningRedis | undefined): Promise<void> {
  if (!redis || redis.process.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    redis.process.once('exit', () => resolve());
    redis.process.kill('SIGTERM');
  });
}

function errorText(reply: RespReply): string {
  return reply instanceof RespError ? reply.message : `(not an error: ${JSON.stringify(reply)})`;
}

describeWithTools(['redis-server'], 'redis.conf on a real redis-server (loopback)', () => {
  let dir: string;
  let redis: RunningRedis | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    // GIVEN the golden redis.conf, started with loopback, a temp dir and a free port instead of
    // the host's values (command-line arguments override the file)
    dir = tempDir('webfarm-redis-');
    const port = await freePort();
    const conf = path.join(dir, 'redis.conf');
    fs.writeFileSync(
      conf,
      renderRedisConf({ ...BASE, bind: ['127.0.0.1'], dataDir: dir, pidFile: path.join(dir, 'redis.pid') }),
    );
    redis = await startRedis(conf, ['--port', String(port)], port);
    env = redisConnectionEnv({ host: '127.0.0.1', port, password: PASSWORD, database: 3 }, 'VISA_VDI_REDIS_');
  });

  afterAll(async () => {
    await stop(redis);
  });

  it('refuses an unauthenticated command with NOAUTH', async () => {
    const client = await RespClient.connect(env.VISA_VDI_REDIS_URL);
    try {
      expect(errorText(await client.command('PING'))).toMatch(/^NOAUTH Authentication required/);
      expect(errorText(await client.command('SET', 'k', 'v'))).toMatch(/^NOAUTH/);
    } finally {
      client.close();
    }
  });

  it('refuses a wrong password', async () => {
    const client = await RespClient.connect(env.VISA_VDI_REDIS_URL);
    try {
      expect(errorText(await client.command('AUTH', 'not-the-password-at-all'))).toMatch(/^WRONGPASS/);
      expect(errorText(await client.command('PING'))).toMatch(/^NOAUTH/);
    } finally {
      client.close();
    }
  });

  it('delivers a pub/sub message between two clients configured from the env (the VISA use)', async () => {
    // GIVEN two app servers' clients, each from URL, PASSWORD and DATABASE
    const open = async (): Promise<RespClient> => {
      const c = await RespClient.connect(env.VISA_VDI_REDIS_URL);
      expect(await c.command('AUTH', env.VISA_VDI_REDIS_PASSWORD)).toBe('OK');
      expect(await c.command('SELECT', env.VISA_VDI_REDIS_DATABASE)).toBe('OK');
      return c;
    };
    const subscriber = await open();
    const publisher = await open();
    try {
      const received = new Promise<RespReply>((resolve) => (subscriber.onPush = resolve));
      // WHEN one subscribes and the other publishes
      expect(await subscriber.command('SUBSCRIBE', 'visa:session:42')).toEqual([
        'subscribe',
        'visa:session:42',
        1,
      ]);
      expect(await publisher.command('PUBLISH', 'visa:session:42', 'user joined')).toBe(1);
      // THEN the message arrives
      expect(await received).toEqual(['message', 'visa:session:42', 'user joined']);
    } finally {
      subscriber.close();
      publisher.close();
    }
  });

  it('has the dangerous commands disabled and writes the append-only file in the data dir', async () => {
    const client = await RespClient.connect(env.VISA_VDI_REDIS_URL);
    try {
      expect(await client.command('AUTH', PASSWORD)).toBe('OK');
      for (const c of ['FLUSHALL', 'FLUSHDB', 'CONFIG', 'KEYS', 'DEBUG']) {
        expect(
          errorText(
            await client.command(c, ...(c === 'CONFIG' ? ['GET', 'dir'] : c === 'KEYS' ? ['*'] : [])),
          ),
        ).toMatch(/^ERR unknown command/);
      }
      expect(await client.command('SET', 'persisted', 'yes')).toBe('OK');
    } finally {
      client.close();
    }
    expect(fs.existsSync(path.join(dir, 'appendonlydir'))).toBe(true);
  });

  it('accepts any password the renderer accepts, byte for byte (property, real server)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({ unit: 'grapheme-ascii', minLength: 16, maxLength: 40 })
          .filter((s) => !hasControlCharacter(s)),
        async (password) => {
          // GIVEN a config with this password
          const port = await freePort();
          const own = tempDir('webfarm-redis-prop-');
          const conf = path.join(own, 'redis.conf');
          fs.writeFileSync(
            conf,
            renderRedisConf({
              ...BASE,
              bind: ['127.0.0.1'],
              dataDir: own,
              pidFile: path.join(own, 'redis.pid'),
              password,
            }),
          );
          const server = await startRedis(conf, ['--port', String(port), '--appendonly', 'no'], port);
          const client = await RespClient.connect(`redis://127.0.0.1:${port}`);
          try {
            // THEN exactly that password authenticates
            expect(await client.command('AUTH', password)).toBe('OK');
          } finally {
            client.close();
            await stop(server);
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});

describeWithTools(
  ['redis-server', 'openssl'],
  'redis.conf with TLS on a real redis-server (loopback)',
  () => {
    it('serves TLS only: rediss:// with the password works (port 0 closes plain text)', async () => {
      // GIVEN a self-signed certificate and the TLS-only golden model
      const dir = tempDir('webfarm-redis-tls-');
      const cert = path.join(dir, 'server.crt');
      const key = path.join(dir, 'server.key');
      writeSelfSignedCertificate(cert, key);
      const port = await freePort();
      const conf = path.join(dir, 'redis.conf');
      fs.writeFileSync(
        conf,
        renderRedisConf({
          ...BASE,
          bind: ['127.0.0.1'],
          dataDir: dir,
          pidFile: path.join(dir, 'redis.pid'),
          tls: { certFile: cert, keyFile: key, port, tlsOnly: true },
        }),
      );
      const server = await startRedis(conf, [], port);
      try {
        // WHEN a client connects with the env a TLS endpoint gives
        const env = redisConnectionEnv({ host: '127.0.0.1', port, password: PASSWORD, tls: true });
        const client = await RespClient.connect(env.REDIS_URL, { ca: fs.readFileSync(cert, 'utf8') });
        try {
          // THEN AUTH is required and works over TLS
          expect(errorText(await client.command('PING'))).toMatch(/^NOAUTH/);
          expect(await client.command('AUTH', env.REDIS_PASSWORD)).toBe('OK');
          expect(await client.command('PING')).toBe('PONG');
        } finally {
          client.close();
        }
        expect(fs.readFileSync(conf, 'utf8')).toContain('\nport 0\n');
      } finally {
        await stop(server);
      }
    });
  },
);
