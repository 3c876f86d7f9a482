import fc from 'fast-check';
import { TerraformStack, Testing } from '../../lib/core/cdk';
import { Algorithm, Stickiness } from '../../lib/core/balancing';
import { ValidationError } from '../../lib/core/errors';
import { renderHaproxy } from '../../lib/config/haproxy';
import { renderKeepalived } from '../../lib/config/keepalived';
import { renderExports, renderNfsMountEntry } from '../../lib/config/nfs';
import { renderRedisConf } from '../../lib/config/redis';
import { Network } from '../../lib/openstack/network';
import { NfsServer } from '../../lib/openstack/nfs-server';
import { OctaviaBalancer } from '../../lib/openstack/octavia';
import { ServerGroup } from '../../lib/openstack/server-group';
import { WorkerGroup } from '../../lib/openstack/worker-group';
import { NoopBalancer } from '../../lib/testing/noop-balancer';

/**
 * Every enum-like option (a TypeScript union of strings) is checked at run time where it enters:
 * a JavaScript caller or a JSON configuration can pass any string. Random strings (fixed,
 * printed seed), near misses (case, spaces) and injection attempts each give exactly one
 * ValidationError naming the value; every allowed value is accepted.
 */

const SEED = 16;
const NEAR_MISSES = (allowed: readonly string[]) =>
  allowed
    .flatMap((a) => [a.toUpperCase(), a.toLowerCase(), ` ${a}`, `${a} `, `${a}\n`, `${a};`])
    .filter((v) => !allowed.includes(v));
const ATTACKS = [
  'GET / HTTP/1.0\n    http-request deny',
  'no\nrequirepass ""',
  'http; } server { listen 9999; }',
  "' ; touch /tmp/pwned; '",
  '',
  '${jndi}',
];

function samples(allowed: readonly string[], runs: number, seed: number): string[] {
  const random = fc.sample(fc.string({ unit: 'grapheme-ascii', maxLength: 24 }), { numRuns: runs, seed });
  return [...random, ...NEAR_MISSES(allowed), ...ATTACKS].filter((v) => !allowed.includes(v));
}

interface EnumCase {
  readonly what: string;
  readonly allowed: readonly string[];
  /** Feeds the value in where a user would; throws what the library throws. */
  readonly feed: (value: string) => unknown;
  /** Random samples (construct-level cases cost more). */
  readonly runs?: number;
}

const noop = () => new NoopBalancer(new TerraformStack(Testing.app(), 'enums'), 'Lb');
const network = () => {
  const stack = new TerraformStack(Testing.app(), 'enums');
  return { stack, network: new Network(stack, 'Net', { cidr: '10.0.0.0/24' }) };
};
const asAny = (v: string) => v as never;

const CASES: EnumCase[] = [
  {
    what: 'pool protocol',
    allowed: ['http', 'https', 'tcp', 'udp'],
    feed: (v) => noop().addPool('p', { port: 80, protocol: asAny(v) }),
  },
  {
    what: 'listener protocol',
    allowed: ['http', 'tcp', 'udp'],
    feed: (v) => {
      const lb = noop();
      lb.addListener('l', {
        port: 80,
        protocol: asAny(v),
        defaultPool: lb.addPool('p', { port: 80, protocol: v === 'http' ? 'http' : asAny(v) }),
      });
    },
  },
  {
    what: 'healthCheck.active.protocol',
    allowed: ['http', 'https', 'tcp'],
    feed: (v) => noop().addPool('p', { port: 80, healthCheck: { active: { protocol: asAny(v) } } }),
  },
  {
    what: 'healthCheck.active.method',
    allowed: ['GET', 'HEAD', 'OPTIONS'],
    feed: (v) =>
      renderHaproxy({
        pools: [
          {
            name: 'p',
            options: { healthCheck: { active: { method: asAny(v) } } },
            nodes: [{ name: 'n', host: '10.0.0.1', port: 80 }],
          },
        ],
        listeners: [{ name: 'l', options: { port: 80, defaultPool: 'p' } }],
      }),
  },
  {
    what: 'tls.mode',
    allowed: ['terminate', 'passthrough'],
    feed: (v) => {
      const lb = noop();
      const pool = lb.addPool('p', { port: 443, protocol: 'tcp' });
      lb.addListener('l', {
        port: 443,
        protocol: v === 'passthrough' ? 'tcp' : undefined,
        defaultPool: pool,
        tls: { mode: asAny(v), certificate: { kind: 'files', certificatePath: '/c.pem', keyPath: '/k.pem' } },
      });
    },
  },
  {
    what: 'tls.versions entry',
    allowed: ['TLSv1.2', 'TLSv1.3'],
    feed: (v) => {
      const lb = noop();
      lb.addListener('l', {
        port: 443,
        defaultPool: lb.addPool('p', { port: 80 }),
        tls: {
          versions: [asAny(v)],
          certificate: { kind: 'files', certificatePath: '/c.pem', keyPath: '/k.pem' },
        },
      });
    },
  },
  {
    what: 'tls.certificate.kind',
    allowed: ['files', 'barbican'],
    feed: (v) => {
      const lb = noop();
      lb.addListener('l', {
        port: 443,
        defaultPool: lb.addPool('p', { port: 80 }),
        tls: {
          certificate: {
            kind: asAny(v),
            certificatePath: '/c.pem',
            keyPath: '/k.pem',
            containerRef: 'x',
          } as never,
        },
      });
    },
  },
  {
    what: 'algorithm kind',
    allowed: ['round-robin', 'least-connections', 'source-ip', 'source-ip-port', 'hash-uri', 'random-two'],
    feed: (v) => noop().addPool('p', { port: 80, algorithm: { kind: v } as unknown as Algorithm }),
  },
  {
    what: 'stickiness kind',
    allowed: ['source-ip'],
    feed: (v) => noop().addPool('p', { port: 80, stickiness: { kind: v } as unknown as Stickiness }),
  },
  {
    what: 'redis tls authClients',
    allowed: ['no', 'optional', 'yes'],
    feed: (v) =>
      renderRedisConf({
        bind: ['10.0.0.5'],
        password: 'Xk3_fQ9-pL2.vB7_mN4-sR8.tW1_yZ6a',
        dataDir: '/srv/redis',
        tls: { certFile: '/c.pem', keyFile: '/k.pem', caCertFile: '/ca.pem', authClients: asAny(v) },
      }),
  },
  {
    what: 'redis appendFsync',
    allowed: ['always', 'everysec', 'no'],
    feed: (v) =>
      renderRedisConf({
        bind: ['10.0.0.5'],
        password: 'Xk3_fQ9-pL2.vB7_mN4-sR8.tW1_yZ6a',
        dataDir: '/srv/redis',
        appendFsync: asAny(v),
      }),
  },
  {
    what: 'nfs export squash',
    allowed: ['root', 'all'],
    feed: (v) => renderExports([{ path: '/srv/share', clients: ['10.0.0.0/24'], squash: asAny(v) }]),
  },
  {
    what: 'nfs mount version',
    allowed: ['4.1', '4.2'],
    feed: (v) =>
      renderNfsMountEntry({
        server: '10.0.0.5',
        exportPath: '/srv/share',
        mountPoint: '/mnt/share',
        version: asAny(v),
      } as never),
  },
  {
    what: 'keepalived initialState',
    allowed: ['MASTER', 'BACKUP'],
    feed: (v) =>
      renderKeepalived({
        routerId: 'lb-1',
        trackScript: { process: 'nginx' },
        instances: [
          {
            name: 'vip',
            interface: 'eth0',
            virtualRouterId: 51,
            priority: 100,
            sourceAddress: '10.0.0.5',
            peers: ['10.0.0.6'],
            password: 'secret',
            virtualAddresses: ['10.0.0.100/24'],
            initialState: asAny(v),
          },
        ],
      }),
  },
  {
    what: 'worker placement',
    allowed: ['anti-affinity', 'soft-anti-affinity'],
    runs: 40,
    feed: (v) => {
      const { stack, network: net } = network();
      new WorkerGroup(stack, 'Web', {
        network: net,
        name: 'web',
        count: 1,
        image: 'i',
        flavor: 'f',
        placement: asAny(v),
      });
    },
  },
  {
    what: 'server group policy',
    allowed: ['anti-affinity', 'soft-anti-affinity', 'affinity', 'soft-affinity'],
    runs: 40,
    feed: (v) => new ServerGroup(new TerraformStack(Testing.app(), 'enums'), 'G', { policy: asAny(v) }),
  },
  {
    what: 'app restart',
    allowed: ['always', 'on-failure', 'no'],
    runs: 40,
    feed: (v) => {
      const { stack, network: net } = network();
      new WorkerGroup(stack, 'Web', {
        network: net,
        name: 'web',
        count: 1,
        image: 'i',
        flavor: 'f',
        appPort: 8080,
        app: require('../../lib/hosting/app').WorkerApp.systemd({
          execStart: '/usr/bin/app',
          restart: asAny(v),
        }),
      });
    },
  },
  {
    what: 'octavia driver',
    allowed: ['amphora', 'ovn'],
    runs: 40,
    feed: (v) => {
      const { stack, network: net } = network();
      new OctaviaBalancer(stack, 'Lb', { network: net, driver: asAny(v) });
    },
  },
  {
    what: 'nfs server squash',
    allowed: ['root', 'all'],
    runs: 40,
    feed: (v) => {
      const { stack, network: net } = network();
      new NfsServer(stack, 'Files', {
        network: net,
        image: 'i',
        flavor: 'f',
        volumeSizeGb: 10,
        shares: ['share'],
        squash: asAny(v),
      });
    },
  },
];

describe(`enum-like options are checked at run time (seed ${SEED})`, () => {
  it.each(CASES.map((c, i) => [c.what, c, i] as const))(
    '%s: every allowed value works, anything else is one ValidationError',
    (_what, c, i) => {
      for (const value of c.allowed) {
        try {
          c.feed(value);
        } catch (e) {
          throw new Error(`${c.what}: allowed value ${JSON.stringify(value)} was refused: ${String(e)}`);
        }
      }
      const seed = SEED + i;
      for (const value of samples(c.allowed, c.runs ?? 150, seed)) {
        let error: unknown;
        try {
          c.feed(value);
        } catch (e) {
          error = e;
        }
        if (!(error instanceof ValidationError)) {
          throw new Error(
            `${c.what} (seed ${seed}): ${JSON.stringify(value)} gave ${error === undefined ? 'no error' : String(error)}`,
          );
        }
        expect(error.value).toEqual(value);
        expect(error.allowed.length).toBeGreaterThan(0);
        expect(error.fix.length).toBeGreaterThan(0);
      }
    },
  );
});
