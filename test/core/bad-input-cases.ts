import { Construct } from 'constructs';
import { Algorithm, Stickiness } from '../../lib/core/balancing';
import { IBalancer, ListenerOptions, PoolOptions } from '../../lib/core/balancer';
import {
  HaproxyBalancer,
  KeyPair,
  Network,
  NfsServer,
  NginxBalancer,
  OctaviaBalancer,
  RedisHost,
  SecurityGroup,
  WorkerGroup,
  ZfsReplication,
} from '../../lib/openstack';

/**
 * The bad-input corpus: careless and hostile values for every construct and prop, each either
 * accepted (the stack must then pass tfcheck, tfsim validate and plan, and the daemons' own
 * checks of its files) or refused at synth with one ValidationError. JavaScript callers are
 * included: `any` lets them pass wrong types, NaN, null and huge numbers.
 */

/** What every case builds on: a stack with a network and two workers on 8080. */
export interface CaseContext {
  readonly stack: Construct;
  readonly network: Network;
  readonly workers: WorkerGroup;
}

/** One case. */
export interface CorpusCase {
  /** The construct it is about. */
  readonly construct: string;
  /** What is tried. */
  readonly name: string;
  /** Builds the stack. */
  readonly build: (c: CaseContext) => void;
  /**
   * Absent: the stack synthesizes and passes every check. Present: one ValidationError whose
   * path ends with `path` (relative to the stack) and whose value is `value` (when given), and
   * whose message contains `message` (when given: the text after the path).
   */
  readonly rejects?: { readonly path: string; readonly value?: unknown; readonly message?: string };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const BASE = {
  image: 'debian-12',
  flavor: 'm1.small',
  ssh: { user: 'debian' },
  adminCidrs: ['198.51.100.0/24'],
};

const long = (n: number) => 'a'.repeat(n);

function nginx(c: CaseContext, props: Record<string, unknown> = {}): NginxBalancer {
  return new NginxBalancer(c.stack, 'Balancer', { network: c.network, name: 'lb', ...BASE, ...props });
}
function haproxy(c: CaseContext, props: Record<string, unknown> = {}): HaproxyBalancer {
  return new HaproxyBalancer(c.stack, 'Balancer', { network: c.network, name: 'lb', ...BASE, ...props });
}
function octavia(c: CaseContext, props: Record<string, unknown> = {}): OctaviaBalancer {
  return new OctaviaBalancer(c.stack, 'Balancer', { network: c.network, ...props });
}

type Kind = 'nginx' | 'haproxy' | 'octavia';
const MAKERS: Record<Kind, (c: CaseContext, props?: Record<string, unknown>) => IBalancer> = {
  nginx,
  haproxy,
  octavia,
};
const MAKERS_CLASS: Record<Kind, unknown> = {
  nginx: NginxBalancer,
  haproxy: HaproxyBalancer,
  octavia: OctaviaBalancer,
};
const CONSTRUCT: Record<Kind, string> = {
  nginx: 'NginxBalancer',
  haproxy: 'HaproxyBalancer',
  octavia: 'OctaviaBalancer',
};

/** A balancer of `kind` serving the workers with `pool` and `listener` options. */
function balancer(
  kind: Kind,
  pool: Partial<PoolOptions> | Record<string, unknown> = {},
  listener: Partial<ListenerOptions> | Record<string, unknown> = {},
  props: Record<string, unknown> = {},
): (c: CaseContext) => void {
  return (c) => {
    const lb = MAKERS[kind](c, props);
    const web = lb.addPool('web', { port: 8080, ...pool } as PoolOptions);
    web.addTarget(c.workers);
    lb.addListener('http', { port: 80, defaultPool: web, ...listener } as ListenerOptions);
  };
}

const cases: CorpusCase[] = [];
const ok = (construct: string, name: string, build: (c: CaseContext) => void) =>
  cases.push({ construct, name, build });
const bad = (
  construct: string,
  name: string,
  build: (c: CaseContext) => void,
  path: string,
  ...value: unknown[]
) => cases.push({ construct, name, build, rejects: value.length ? { path, value: value[0] } : { path } });

// --- Network -------------------------------------------------------------------------------
const net = (props: Record<string, unknown>) => (c: CaseContext) =>
  new Network(c.stack, 'Other', { cidr: '10.30.0.0/24', ...props } as Any);
ok('Network', 'a /16 with DNS servers', net({ cidr: '10.30.0.0/16', dnsNameservers: ['9.9.9.9'] }));
bad('Network', 'the world as a private network', net({ cidr: '0.0.0.0/0' }), 'Other', '0.0.0.0/0');
bad('Network', 'half the world (/1)', net({ cidr: '128.0.0.0/1' }), 'Other', '128.0.0.0/1');
bad('Network', 'a CIDR with host bits', net({ cidr: '10.30.0.5/24' }), 'Other', '10.30.0.5/24');
bad('Network', 'not a CIDR', net({ cidr: 'banana' }), 'Other', 'banana');
bad('Network', 'a number as CIDR (JS caller)', net({ cidr: 42 }), 'Other', 42);
bad('Network', 'null CIDR (JS caller)', net({ cidr: null }), 'Other');
bad(
  'Network',
  'a DNS server that is not an address',
  net({ dnsNameservers: ['dns.example'] }),
  'Other',
  'dns.example',
);
bad('Network', 'a name longer than 255 characters', net({ name: long(256) }), 'Other', long(256));
bad('Network', 'a name with a newline', net({ name: 'net\nwork' }), 'Other', 'net\nwork');
bad('Network', 'props null (JS caller)', (c) => new Network(c.stack, 'Other', null as Any), 'Other', null);
bad('Network', 'a name of spaces only', net({ name: '   ' }), 'Other', '   ');
bad('Network', 'externalNetworkName of spaces only', net({ externalNetworkName: '  ' }), 'Other', '  ');

// --- KeyPair ---------------------------------------------------------------------------------
ok('KeyPair', 'a generated key', (c) => new KeyPair(c.stack, 'Key'));
bad(
  'KeyPair',
  'a public key that is not one',
  (c) => new KeyPair(c.stack, 'Key', { publicKey: 'hello' }),
  'Key',
);
bad(
  'KeyPair',
  'a public key with a second line (a smuggled key)',
  (c) =>
    new KeyPair(c.stack, 'Key', {
      publicKey:
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2vFjL0ZgmhTW2ShKU0hvRnx8nU3VLcNSZ7H/ybuJ2K a\nssh-rsa AAAA b',
    }),
  'Key',
);
bad(
  'KeyPair',
  'a name longer than 255 characters',
  (c) => new KeyPair(c.stack, 'Key', { name: long(300) }),
  'Key',
);
bad('KeyPair', 'props null (JS caller)', (c) => new KeyPair(c.stack, 'Key', null as Any), 'Key', null);
bad(
  'KeyPair',
  'a number as public key (JS caller)',
  (c) => new KeyPair(c.stack, 'Key', { publicKey: 7 } as Any),
  'Key',
  7,
);

// --- SecurityGroup ---------------------------------------------------------------------------
ok('SecurityGroup', 'a described group', (c) => new SecurityGroup(c.stack, 'Group', { description: 'ops' }));
bad(
  'SecurityGroup',
  'a description of 256 characters',
  (c) => new SecurityGroup(c.stack, 'Group', { description: long(256) }),
  'Group',
  long(256),
);
ok(
  'SecurityGroup',
  'a description of 255 characters',
  (c) => new SecurityGroup(c.stack, 'Group', { description: long(255) }),
);
ok(
  'SecurityGroup',
  'a description of 255 non-ASCII characters',
  (c) => new SecurityGroup(c.stack, 'Group', { description: 'é'.repeat(255) }),
);
bad(
  'SecurityGroup',
  'a construct id of 260 characters (the derived name and description)',
  (c) => new SecurityGroup(c.stack, long(260)),
  `${long(260)}/Resource`,
);
bad(
  'SecurityGroup',
  'props null (JS caller)',
  (c) => new SecurityGroup(c.stack, 'Group', null as Any),
  'Group',
  null,
);
bad(
  'SecurityGroup',
  'a name with a space',
  (c) => new SecurityGroup(c.stack, 'Group', { name: 'my group' }),
  'Group',
  'my group',
);

// --- WorkerGroup -----------------------------------------------------------------------------
const wg = (props: Record<string, unknown>) => (c: CaseContext) =>
  new WorkerGroup(c.stack, 'More', {
    network: c.network,
    image: 'debian-12',
    flavor: 'm1.small',
    ...props,
  } as Any);
ok(
  'WorkerGroup',
  'one worker with an environment and files',
  wg({
    count: 1,
    environment: { GREETING: 'a $HOME; {b} #c `d` & e' },
    files: [{ path: '/etc/app/motd', content: 'hi' }],
  }),
);
ok('WorkerGroup', 'named nodes', wg({ nodeNames: ['alpha', 'beta'], appPort: 9000 }));
bad('WorkerGroup', 'count 0', wg({ count: 0 }), 'More', 0);
bad('WorkerGroup', 'count -1', wg({ count: -1 }), 'More', -1);
bad('WorkerGroup', 'count 1.5', wg({ count: 1.5 }), 'More', 1.5);
bad('WorkerGroup', 'count 1e9 (exhausts memory)', wg({ count: 1e9 }), 'More', 1e9);
bad('WorkerGroup', 'count NaN (JS caller)', wg({ count: NaN }), 'More', NaN);
bad('WorkerGroup', 'count "3" (JS caller)', wg({ count: '3' }), 'More', '3');
bad('WorkerGroup', 'count larger than the /24 has addresses', wg({ count: 300 }), 'More', 300);
bad('WorkerGroup', 'appPort 0', wg({ appPort: 0 }), 'More', 0);
bad('WorkerGroup', 'appPort 70000', wg({ appPort: 70000 }), 'More', 70000);
bad('WorkerGroup', 'appPort Infinity (JS caller)', wg({ appPort: Infinity }), 'More', Infinity);
bad('WorkerGroup', 'env name PATH', wg({ environment: { PATH: '/tmp' } }), 'More', 'PATH');
bad(
  'WorkerGroup',
  'env name LD_PRELOAD',
  wg({ environment: { LD_PRELOAD: '/tmp/x.so' } }),
  'More',
  'LD_PRELOAD',
);
bad('WorkerGroup', 'env name with a space', wg({ environment: { 'A B': 'x' } }), 'More', 'A B');
bad('WorkerGroup', 'env value with a newline', wg({ environment: { A: 'x\ny=1' } }), 'More');
bad('WorkerGroup', 'env value a number (JS caller)', wg({ environment: { A: 5 } }), 'More');
bad(
  'WorkerGroup',
  'a file path with ..',
  wg({ files: [{ path: '/etc/app/../webfarm/env', content: 'x' }] }),
  'More',
  '/etc/app/../webfarm/env',
);
bad(
  'WorkerGroup',
  'a relative file path',
  wg({ files: [{ path: 'etc/motd', content: 'x' }] }),
  'More',
  'etc/motd',
);
bad(
  'WorkerGroup',
  'a package name with a space',
  wg({ packages: ['curl; rm -rf /'] }),
  'More',
  'curl; rm -rf /',
);
bad('WorkerGroup', 'placement "anywhere"', wg({ placement: 'anywhere' }), 'More', 'anywhere');
bad('WorkerGroup', 'duplicate node names', wg({ nodeNames: ['a', 'a'] }), 'More', 'a');
bad('WorkerGroup', 'a node name with "/"', wg({ nodeNames: ['a/b'] }), 'More', 'a/b');
bad('WorkerGroup', 'a name longer than 255 characters', wg({ name: long(256) }), 'More');
bad('WorkerGroup', 'a boot volume of 0 GB', wg({ bootVolumeSizeGb: 0 }), 'More', 0);
bad('WorkerGroup', 'a data volume of -5 GB', wg({ dataVolume: { sizeGb: -5 } }), 'More', -5);
bad(
  'WorkerGroup',
  'inside a construct id of 240 characters (its group name over 255)',
  (c) => wg({})({ ...c, stack: new Construct(c.stack, long(240)) }),
  'More/SecurityGroup',
);
ok('WorkerGroup', 'inside a construct id of 120 characters', (c) =>
  wg({ count: 1 })({ ...c, stack: new Construct(c.stack, long(120)) }),
);
bad(
  'WorkerGroup',
  'props null (JS caller)',
  (c) => new WorkerGroup(c.stack, 'More', null as Any),
  'More',
  null,
);
bad(
  'WorkerGroup',
  'props undefined (JS caller)',
  (c) => new WorkerGroup(c.stack, 'More', undefined as Any),
  'More',
);
bad('WorkerGroup', 'network null (JS caller)', wg({ network: null }), 'More', null);
bad('WorkerGroup', 'network a name (JS caller)', wg({ network: 'private' }), 'More', 'private');
bad('WorkerGroup', 'roles a string (JS caller)', wg({ roles: 'primary' }), 'More', 'primary');
bad(
  'WorkerGroup',
  'roles.primaryEnvironment null (JS caller)',
  wg({ roles: { primaryEnvironment: null, secondaryEnvironment: {} } }),
  'More',
  null,
);
bad(
  'WorkerGroup',
  'roles.primary a number (JS caller)',
  wg({ roles: { primaryEnvironment: { A: '1' }, secondaryEnvironment: { A: '2' }, primary: 1 } }),
  'More',
  1,
);
bad('WorkerGroup', 'image only whitespace', wg({ image: '   ' }), 'More', '   ');
bad('WorkerGroup', 'appPort NaN (JS caller)', wg({ appPort: NaN }), 'More', NaN);
bad(
  'WorkerGroup',
  'allowDefaultPortFrom on a group without appPort',
  (c) => wg({ count: 1 })(c).connections.allowDefaultPortFrom(c.workers),
  'More',
);

// --- Balancers: the props and the shared pool/listener options, on each backend --------------
for (const kind of ['nginx', 'haproxy', 'octavia'] as const) {
  const C = CONSTRUCT[kind];
  const selfHosted = kind !== 'octavia';
  ok(C, 'a plain HTTP pool and listener', balancer(kind));
  ok(
    C,
    'least connections and a listener open to the world',
    balancer(kind, { algorithm: Algorithm.leastConnections() }, { allowedCidrs: ['0.0.0.0/0'] }),
  );
  ok(
    C,
    'source-ip algorithm, listener limited to one network',
    balancer(kind, { algorithm: Algorithm.sourceIp() }, { allowedCidrs: ['203.0.113.0/24'] }),
  );
  ok(
    C,
    'a tcp pool behind a tcp listener',
    balancer(kind, { protocol: 'tcp' }, { protocol: 'tcp', port: 5432 }),
  );
  ok(
    C,
    'pool timeouts for a long-running service',
    balancer(kind, { timeouts: { connectSeconds: 2, responseSeconds: 3600 } }),
  );
  ok(C, 'a path rule to a second pool', (c) => {
    const lb = MAKERS[kind](c);
    const web = lb.addPool('web', { port: 8080 });
    const api = lb.addPool('api', { port: 9090 });
    web.addTarget(c.workers);
    api.addTarget(c.workers);
    lb.addListener('http', { port: 80, defaultPool: web, rules: [{ pool: api, pathPrefix: '/api/' }] });
  });

  bad(C, 'pool port 0', balancer(kind, { port: 0 }), "pool 'web'", 0);
  bad(C, 'pool port "8080" (JS caller)', balancer(kind, { port: '8080' }), "pool 'web'", '8080');
  bad(C, 'pool port NaN', balancer(kind, { port: NaN }), "pool 'web'", NaN);
  bad(C, 'pool protocol "HTTP/2"', balancer(kind, { protocol: 'HTTP/2' }), "pool 'web'", 'HTTP/2');
  bad(C, 'pool protocol null (JS caller)', balancer(kind, { protocol: null }), "pool 'web'", null);
  bad(C, 'listener port 65536', balancer(kind, {}, { port: 65536 }), "listener 'http'", 65536);
  bad(C, 'listener port -80', balancer(kind, {}, { port: -80 }), "listener 'http'", -80);
  bad(C, 'listener port NaN (JS caller)', balancer(kind, {}, { port: NaN }), "listener 'http'", NaN);
  bad(
    C,
    'listener port Infinity (JS caller)',
    balancer(kind, {}, { port: Infinity }),
    "listener 'http'",
    Infinity,
  );
  bad(C, 'pool port 8080.5', balancer(kind, { port: 8080.5 }), "pool 'web'", 8080.5);
  bad(
    C,
    'props null (JS caller)',
    (c) => new (MAKERS_CLASS[kind] as Any)(c.stack, 'Balancer', null),
    'Balancer',
    null,
  );
  bad(C, 'network null (JS caller)', (c) => MAKERS[kind](c, { network: null }), 'Balancer', null);
  bad(
    C,
    'a pool id of spaces only',
    (c) => MAKERS[kind](c).addPool('   ', { port: 8080 }),
    'Balancer',
    '   ',
  );
  bad(
    C,
    'a hash-header algorithm with a space in the name',
    balancer(kind, { algorithm: Algorithm.hashHeader('machine id') }),
    "pool 'web'",
    'machine id',
  );
  bad(C, 'listener protocol "ftp"', balancer(kind, {}, { protocol: 'ftp' }), "listener 'http'", 'ftp');
  bad(
    C,
    'allowedCidrs a string (JS caller)',
    balancer(kind, {}, { allowedCidrs: '0.0.0.0/0' }),
    "listener 'http'",
    '0.0.0.0/0',
  );
  bad(
    C,
    'allowedCidrs entry not a CIDR',
    balancer(kind, {}, { allowedCidrs: ['10.0.0.0/33'] }),
    "listener 'http'",
    '10.0.0.0/33',
  );
  bad(
    C,
    'allowedCidrs IPv6 only on an IPv4 listener',
    balancer(kind, {}, { allowedCidrs: ['2001:db8::/32'] }),
    "listener 'http'",
    kind === 'octavia' ? '2001:db8::/32' : ['2001:db8::/32'],
  );
  bad(
    C,
    'allowedCidrs entry with a directive',
    balancer(kind, {}, { allowedCidrs: ['1.2.3.4; allow all'] }),
    "listener 'http'",
    '1.2.3.4; allow all',
  );
  bad(
    C,
    'listener without defaultPool',
    (c) => MAKERS[kind](c).addListener('http', { port: 80 } as Any),
    "listener 'http'",
  );
  bad(C, 'pool without options', (c) => MAKERS[kind](c).addPool('web', undefined as Any), "pool 'web'");
  bad(
    C,
    'listener without options',
    (c) => MAKERS[kind](c).addListener('http', undefined as Any),
    "listener 'http'",
  );
  bad(
    C,
    'healthCheck that is not an object',
    (c) => MAKERS[kind](c).addPool('web', { port: 8080, healthCheck: 'yes' as Any }),
    "pool 'web'",
    'yes',
  );
  bad(C, 'pool id with a space', (c) => MAKERS[kind](c).addPool('we b', { port: 8080 }), 'Balancer', 'we b');
  bad(
    C,
    'two pools with one id',
    (c) => {
      const lb = MAKERS[kind](c);
      lb.addPool('web', { port: 8080 });
      lb.addPool('web', { port: 8081 });
    },
    'Balancer',
    'web',
  );
  bad(
    C,
    'two listeners on one port',
    (c) => {
      const lb = MAKERS[kind](c);
      const web = lb.addPool('web', { port: 8080 });
      lb.addListener('a', { port: 80, defaultPool: web });
      lb.addListener('b', { port: 80, defaultPool: web });
    },
    "listener 'b'",
    80,
  );
  bad(
    C,
    'a pool of another balancer',
    (c) => {
      const other = new NginxBalancer(c.stack, 'Other', { network: c.network, name: 'other', ...BASE });
      const foreign = other.addPool('web', { port: 8080 });
      MAKERS[kind](c).addListener('http', { port: 80, defaultPool: foreign });
    },
    "listener 'http'",
  );
  bad(
    C,
    'algorithm as a plain object of an unknown kind',
    balancer(kind, { algorithm: { kind: 'fastest' } }),
    "pool 'web'",
    'fastest',
  );
  bad(
    C,
    'stickiness of an unknown kind',
    balancer(kind, { stickiness: { kind: 'magic' } }),
    "pool 'web'",
    'magic',
  );
  // nginx refuses every active check (it has none): these are for the other two.
  if (kind !== 'nginx') {
    bad(
      C,
      'health check path without "/"',
      balancer(kind, { healthCheck: { active: { path: 'health' } } }),
      "pool 'web'",
      'health',
    );
    bad(
      C,
      'health check method injection',
      balancer(kind, { healthCheck: { active: { method: 'GET uri / \n http-request deny' } } }),
      "pool 'web'",
      'GET uri / \n http-request deny',
    );
    bad(
      C,
      'health check expected codes out of order',
      balancer(kind, { healthCheck: { active: { expectedCodes: '399-200' } } }),
      "pool 'web'",
      '399-200',
    );
    bad(
      C,
      'health check expected codes malformed',
      balancer(kind, { healthCheck: { active: { expectedCodes: '200-300-400' } } }),
      "pool 'web'",
      '200-300-400',
    );
    bad(
      C,
      'health check interval 0.0001 s',
      balancer(kind, { healthCheck: { active: { intervalSeconds: 0.0001 } } }),
      "pool 'web'",
      0.0001,
    );
  }
  bad(
    C,
    'timeouts.responseSeconds -1',
    balancer(kind, { timeouts: { responseSeconds: -1 } }),
    "pool 'web'",
    -1,
  );
  bad(C, 'timeouts a number (JS caller)', balancer(kind, { timeouts: 30 }), "pool 'web'", 30);
  bad(
    C,
    'rules not an array (JS caller)',
    balancer(kind, {}, { rules: { pathPrefix: '/' } }),
    "listener 'http'",
  );
  bad(
    C,
    'tls.mode "sometimes"',
    balancer(kind, {}, { port: 443, tls: { mode: 'sometimes' } }),
    "listener 'http'",
    'sometimes',
  );
  bad(
    C,
    'HSTS max-age 1.5',
    balancer(
      kind,
      {},
      {
        port: 443,
        tls: {
          mode: 'terminate',
          certificate: {
            kind: 'files',
            certificatePath: '/etc/ssl/webfarm/site.crt',
            keyPath: '/etc/ssl/webfarm/site.key',
          },
          hstsMaxAgeSeconds: 1.5,
        },
      },
    ),
    "listener 'http'",
    1.5,
  );
  bad(
    C,
    'redirect from the listener’s own port',
    balancer(
      kind,
      {},
      {
        port: 443,
        tls: {
          mode: 'terminate',
          certificate: {
            kind: 'files',
            certificatePath: '/etc/ssl/webfarm/site.crt',
            keyPath: '/etc/ssl/webfarm/site.key',
          },
          redirectFromPort: 443,
        },
      },
    ),
    "listener 'http'",
    443,
  );
  if (selfHosted) {
    ok(
      C,
      'a keepalived pair with status for the admins',
      balancer(kind, {}, {}, { highAvailability: { vrrp: true }, statusAllowedCidrs: ['10.20.0.0/24'] }),
    );
    ok(C, 'a rate limit and a node added by address', (c) => {
      const lb = MAKERS[kind](c);
      const web = lb.addPool('web', { port: 8080 });
      web.addNodes(['10.20.0.77:8080']);
      lb.addListener('http', {
        port: 80,
        defaultPool: web,
        ...(kind === 'nginx' ? { rateLimitPerSecond: 50 } : {}),
      });
    });
    bad(
      C,
      'statusAllowedCidrs open to the world',
      balancer(kind, {}, {}, { statusAllowedCidrs: ['0.0.0.0/0'] }),
      'Balancer',
      '0.0.0.0/0',
    );
    bad(
      C,
      'statusAllowedCidrs the world in two halves',
      balancer(kind, {}, {}, { statusAllowedCidrs: ['0.0.0.0/1', '128.0.0.0/1'] }),
      'Balancer',
      '0.0.0.0/1',
    );
    bad(
      C,
      'ssh.port 2222 (the group opens 22)',
      balancer(kind, {}, {}, { ssh: { user: 'debian', port: 2222 } }),
      'Balancer',
      2222,
    );
    bad(C, 'a name longer than 255 characters', balancer(kind, {}, {}, { name: long(256) }), 'Balancer');
    bad(
      C,
      'a node with port 0',
      (c) => MAKERS[kind](c).addPool('web', { port: 8080 }).addNodes(['10.20.0.9:0']),
      "pool 'web'",
    );
    bad(
      C,
      'a node weight 0',
      (c) =>
        MAKERS[kind](c)
          .addPool('web', { port: 8080 })
          .addNodes([{ name: 'x', host: '10.20.0.9', port: 8080, weight: 0 }]),
      "pool 'web'",
      0,
    );
    bad(
      C,
      'a node weight 1e6',
      (c) =>
        MAKERS[kind](c)
          .addPool('web', { port: 8080 })
          .addNodes([{ name: 'x', host: '10.20.0.9', port: 8080, weight: 1e6 }]),
      "pool 'web'",
      1e6,
    );
    bad(C, 'keepaliveConnections -1', balancer(kind, { keepaliveConnections: -1 }), "pool 'web'", -1);
    bad(
      C,
      'passive maxFails 0.5',
      balancer(kind, { healthCheck: { passive: { maxFails: 0.5 } } }),
      "pool 'web'",
      0.5,
    );
    ok(
      C,
      'allowedCidrs with IPv4 and IPv6 blocks',
      balancer(kind, {}, { allowedCidrs: ['203.0.113.0/24', '2001:db8::/32'] }),
    );
    bad(
      C,
      'a request header value with a newline',
      balancer(kind, {}, { requestHeaders: { 'X-Site': 'a\nX-Admin: 1' } }),
      "listener 'http'",
      'a\nX-Admin: 1',
    );
    bad(
      C,
      'a request header value with a carriage return',
      balancer(kind, {}, { requestHeaders: { 'X-Site': 'a\rb' } }),
      "listener 'http'",
      'a\rb',
    );
    bad(
      C,
      'a request header value of spaces only',
      balancer(kind, {}, { requestHeaders: { 'X-Site': '   ' } }),
      "listener 'http'",
      '   ',
    );
    bad(
      C,
      'a rule header value with a newline',
      (c) => {
        const lb = MAKERS[kind](c);
        const web = lb.addPool('web', { port: 8080 });
        lb.addListener('http', {
          port: 80,
          defaultPool: web,
          rules: [{ pool: web, header: { name: 'X-Site', value: 'a\nb' } }],
        });
      },
      "listener 'http' rule 1",
      'a\nb',
    );
    bad(
      C,
      'adminCidrs a string (JS caller)',
      balancer(kind, {}, {}, { adminCidrs: '198.51.100.0/24' }),
      'Balancer',
      '198.51.100.0/24',
    );
    bad(
      C,
      'ssh.user with a space',
      balancer(kind, {}, {}, { ssh: { user: 'de bian' } }),
      'Balancer',
      'de bian',
    );
    bad(C, 'ssh.user empty', balancer(kind, {}, {}, { ssh: { user: '' } }), 'Balancer', '');
    bad(C, 'ssh a string (JS caller)', balancer(kind, {}, {}, { ssh: 'debian' }), 'Balancer', 'debian');
    bad(
      C,
      'ssh.bastion.host with a space',
      balancer(kind, {}, {}, { ssh: { user: 'debian', bastion: { host: 'jump host' } } }),
      'Balancer',
      'jump host',
    );
    bad(
      C,
      'ssh.bastion.user with "@"',
      balancer(kind, {}, {}, { ssh: { user: 'debian', bastion: { host: '203.0.113.5', user: 'a@b' } } }),
      'Balancer',
      'a@b',
    );
    bad(
      C,
      'a keepalived VIP on the broadcast address',
      balancer(kind, {}, {}, { highAvailability: { vrrp: true, virtualIp: '10.20.0.255' } }),
      'Balancer',
      '10.20.0.255',
    );
    bad(
      C,
      'a keepalived VIP on the network address',
      balancer(kind, {}, {}, { highAvailability: { vrrp: true, virtualIp: '10.20.0.0' } }),
      'Balancer',
      '10.20.0.0',
    );
    bad(
      C,
      'a keepalived VIP on the gateway address',
      balancer(kind, {}, {}, { highAvailability: { vrrp: true, virtualIp: '10.20.0.1' } }),
      'Balancer',
      '10.20.0.1',
    );
    ok(
      C,
      'a keepalived pair on a fixed VIP',
      balancer(kind, {}, {}, { highAvailability: { vrrp: true, virtualIp: '10.20.0.200' } }),
    );
    bad(
      C,
      'a node weight -1',
      (c) =>
        MAKERS[kind](c)
          .addPool('web', { port: 8080 })
          .addNodes([{ name: 'x', host: '10.20.0.9', port: 8080, weight: -1 }]),
      "pool 'web'",
      -1,
    );
  } else {
    ok(
      C,
      'an ovn balancer with a tcp listener',
      balancer(kind, { protocol: 'tcp' }, { protocol: 'tcp', port: 443 }, { driver: 'ovn' }),
    );
    bad(C, 'driver "f5"', balancer(kind, {}, {}, { driver: 'f5' }), 'Balancer', 'f5');
    bad(C, 'apiVersion "latest"', balancer(kind, {}, {}, { apiVersion: 'latest' }), 'Balancer', 'latest');
    bad(
      C,
      'a vipAddress that is the network address',
      balancer(kind, {}, {}, { vipAddress: '10.20.0.0' }),
      'Balancer',
      '10.20.0.0',
    );
    bad(
      C,
      'a vipAddress outside the subnet',
      balancer(kind, {}, {}, { vipAddress: '10.99.0.5' }),
      'Balancer',
      '10.99.0.5',
    );
    bad(C, 'a name longer than 255 characters', balancer(kind, {}, {}, { name: long(256) }), 'Balancer');
    bad(
      C,
      'listener timeouts beyond 24 days',
      balancer(kind, {}, { timeouts: { clientDataSeconds: 3e6 } }),
      "listener 'http'",
      3e6,
    );
    bad(C, 'connectionLimit 0', balancer(kind, {}, { connectionLimit: 0 }), "listener 'http'", 0);
    bad(
      C,
      'pool timeouts on the ovn driver',
      balancer(
        kind,
        { protocol: 'tcp', timeouts: { responseSeconds: 60 } },
        { protocol: 'tcp' },
        { driver: 'ovn' },
      ),
      "listener 'http'",
    );
  }
}
for (const kind of ['nginx', 'haproxy', 'octavia'] as const) {
  bad(
    CONSTRUCT[kind],
    'inside a construct id of 240 characters (derived names over 255)',
    (c) => balancer(kind)({ ...c, stack: new Construct(c.stack, long(240)) }),
    'Balancer/',
  );
}
// Backend-specific limits.
bad(
  'NginxBalancer',
  'cookie-insert stickiness (open-source nginx has none)',
  balancer('nginx', { stickiness: Stickiness.insertCookie('SRV') }),
  "pool 'web'",
);
bad(
  'NginxBalancer',
  'an active health check (open-source nginx has none)',
  balancer('nginx', { healthCheck: { active: { path: '/health' } } }),
  "pool 'web'",
);
ok(
  'HaproxyBalancer',
  'cookie-insert stickiness and an active check',
  balancer('haproxy', {
    stickiness: Stickiness.insertCookie('SRV'),
    healthCheck: { active: { path: '/health', expectedCodes: '200-299' } },
  }),
);
bad(
  'HaproxyBalancer',
  'a cookie name with ";"',
  balancer('haproxy', { stickiness: { kind: 'insert-cookie', cookieName: 'a;b' } }),
  "pool 'web'",
);
bad(
  'HaproxyBalancer',
  'a cookie max-age 0.5',
  balancer('haproxy', {
    stickiness: { kind: 'insert-cookie', cookieName: 'SRV', maxAgeSeconds: 0.5 },
  }),
  "pool 'web'",
  0.5,
);
bad(
  'HaproxyBalancer',
  'Stickiness.insertCookie with ";" in the name',
  balancer('haproxy', { stickiness: Stickiness.insertCookie('a;b') }),
  "pool 'web'",
  'a;b',
);
bad(
  'HaproxyBalancer',
  'Stickiness.insertCookie with max-age 0.5',
  balancer('haproxy', { stickiness: Stickiness.insertCookie('SRV', { maxAgeSeconds: 0.5 }) }),
  "pool 'web'",
  0.5,
);
bad(
  'HaproxyBalancer',
  'Stickiness.appCookie with a space',
  balancer('haproxy', { stickiness: Stickiness.appCookie('J SESSION') }),
  "pool 'web'",
  'J SESSION',
);
ok(
  'OctaviaBalancer',
  'an active check',
  balancer('octavia', { healthCheck: { active: { path: '/health' } } }),
);

// --- RedisHost -------------------------------------------------------------------------------
const redis = (props: Record<string, unknown>) => (c: CaseContext) =>
  new RedisHost(c.stack, 'Redis', {
    network: c.network,
    image: 'debian-12',
    flavor: 'm1.small',
    ...props,
  } as Any);
ok('RedisHost', 'defaults', redis({}));
ok(
  'RedisHost',
  'a memory limit and an eviction policy',
  redis({ maxMemoryMb: 512, maxMemoryPolicy: 'allkeys-lru' }),
);
bad(
  'RedisHost',
  'tls.authClients injection',
  redis({ tls: { authClients: 'no\nrequirepass ""' } }),
  'Redis',
  'no\nrequirepass ""',
);
bad('RedisHost', 'database 16', redis({ database: 16 }), 'Redis', 16);
bad('RedisHost', 'database -1', redis({ database: -1 }), 'Redis', -1);
bad('RedisHost', 'maxMemoryMb 0', redis({ maxMemoryMb: 0 }), 'Redis', 0);
bad('RedisHost', 'maxMemoryMb NaN', redis({ maxMemoryMb: NaN }), 'Redis', NaN);
bad('RedisHost', 'maxMemoryPolicy "forget"', redis({ maxMemoryPolicy: 'forget' }), 'Redis', 'forget');
bad('RedisHost', 'passwordLength 4', redis({ passwordLength: 4 }), 'Redis', 4);
bad('RedisHost', 'volumeSizeGb 0', redis({ volumeSizeGb: 0 }), 'Redis', 0);
bad('RedisHost', 'a name longer than 255 characters', redis({ name: long(256) }), 'Redis');
ok('RedisHost', 'appendFsync always', redis({ appendFsync: 'always' }));
bad(
  'RedisHost',
  'inside a construct id of 240 characters (derived names over 255)',
  (c) => redis({})({ ...c, stack: new Construct(c.stack, long(240)) }),
  'Redis/',
);
bad(
  'NfsServer',
  'inside a construct id of 240 characters (derived names over 255)',
  (c) => nfs({})({ ...c, stack: new Construct(c.stack, long(240)) }),
  'Files/',
);
bad(
  'ZfsReplication',
  'inside a construct id of 240 characters (derived names over 255)',
  (c) => zfs({})({ ...c, stack: new Construct(c.stack, long(240)) }),
  'Zfs/',
);
bad(
  'KeyPair',
  'a construct id of 260 characters (the derived name)',
  (c) => new KeyPair(c.stack, long(260)),
  long(260),
);
bad('RedisHost', 'appendFsync "sometimes"', redis({ appendFsync: 'sometimes' }), 'Redis', 'sometimes');
bad(
  'RedisHost',
  'appendFsync "EVERYSEC" (case matters)',
  redis({ appendFsync: 'EVERYSEC' }),
  'Redis',
  'EVERYSEC',
);
bad(
  'RedisHost',
  'props null (JS caller)',
  (c) => new RedisHost(c.stack, 'Redis', null as Any),
  'Redis',
  null,
);
bad('RedisHost', 'network null (JS caller)', redis({ network: null }), 'Redis', null);
bad('RedisHost', 'maxMemoryMb Infinity (JS caller)', redis({ maxMemoryMb: Infinity }), 'Redis', Infinity);

// --- NfsServer -------------------------------------------------------------------------------
const nfs = (props: Record<string, unknown>) => (c: CaseContext) =>
  new NfsServer(c.stack, 'Files', {
    network: c.network,
    image: 'debian-12',
    flavor: 'm1.small',
    shares: ['images'],
    volumeSizeGb: 10,
    ...props,
  } as Any);
ok('NfsServer', 'one share', nfs({}));
ok('NfsServer', 'all squashed, NFS 4.2, 16 threads', nfs({ squash: 'all', version: '4.2', threads: 16 }));
bad('NfsServer', 'exportTo the world', nfs({ exportTo: ['0.0.0.0/0'] }), 'Files', '0.0.0.0/0');
bad(
  'NfsServer',
  'exportTo the world in two halves',
  nfs({ exportTo: ['0.0.0.0/1', '128.0.0.0/1'] }),
  'Files',
  '0.0.0.0/1',
);
bad('NfsServer', 'a share named ".."', nfs({ shares: ['..'] }), 'Files', '..');
bad('NfsServer', 'a share with a space', nfs({ shares: ['my share'] }), 'Files', 'my share');
bad('NfsServer', 'no shares', nfs({ shares: [] }), 'Files');
bad('NfsServer', 'shares a string (JS caller)', nfs({ shares: 'images' }), 'Files', 'images');
bad('NfsServer', 'squash "none"', nfs({ squash: 'none' }), 'Files', 'none');
bad('NfsServer', 'version "5"', nfs({ version: '5' }), 'Files', '5');
bad('NfsServer', 'threads 0', nfs({ threads: 0 }), 'Files', 0);
bad('NfsServer', 'volumeSizeGb -1', nfs({ volumeSizeGb: -1 }), 'Files', -1);
bad(
  'NfsServer',
  'props null (JS caller)',
  (c) => new NfsServer(c.stack, 'Files', null as Any),
  'Files',
  null,
);
bad('NfsServer', 'network null (JS caller)', nfs({ network: null }), 'Files', null);
bad('NfsServer', 'a share of spaces only', nfs({ shares: ['   '] }), 'Files', '   ');
bad(
  'NfsServer',
  'shareOwner with a colon injection',
  nfs({ shareOwner: 'root:root /etc' }),
  'Files',
  'root:root /etc',
);

// --- ZfsReplication --------------------------------------------------------------------------
const zfs = (props: Record<string, unknown>) => (c: CaseContext) =>
  new ZfsReplication(c.stack, 'Zfs', {
    network: c.network,
    image: 'debian-12',
    flavor: 'm1.small',
    replicas: 1,
    volumeSizeGb: 10,
    ...props,
  } as Any);
ok('ZfsReplication', 'one replica', zfs({}));
ok('ZfsReplication', 'a named pool and dataset', zfs({ pool: 'nsboot0', dataset: 'images' }));
bad('ZfsReplication', 'dataset "a/./b"', zfs({ dataset: 'a/./b' }), 'Zfs', 'a/./b');
bad('ZfsReplication', 'pool name with a space', zfs({ pool: 'my pool' }), 'Zfs', 'my pool');
bad('ZfsReplication', 'replicas 0', zfs({ replicas: 0 }), 'Zfs', 0);
bad('ZfsReplication', 'replicas 2.5', zfs({ replicas: 2.5 }), 'Zfs', 2.5);
bad('ZfsReplication', 'replicas 1e9', zfs({ replicas: 1e9 }), 'Zfs', 1e9);
bad('ZfsReplication', 'volumeSizeGb "10" (JS caller)', zfs({ volumeSizeGb: '10' }), 'Zfs', '10');
bad('ZfsReplication', 'dataset ".."', zfs({ dataset: '..' }), 'Zfs', 'tank/..');
bad('ZfsReplication', 'dataset "."', zfs({ dataset: '.' }), 'Zfs', 'tank/.');
bad(
  'ZfsReplication',
  'props null (JS caller)',
  (c) => new ZfsReplication(c.stack, 'Zfs', null as Any),
  'Zfs',
  null,
);
bad('ZfsReplication', 'network null (JS caller)', zfs({ network: null }), 'Zfs', null);
bad('ZfsReplication', 'replicas NaN (JS caller)', zfs({ replicas: NaN }), 'Zfs', NaN);

/**
 * The message of refused case `construct: name` must contain `message` (what, value, allowed and
 * fix in the house style): the cases whose wording was fixed for issue 16.
 */
function says(construct: string, name: string, message: string): void {
  const i = cases.findIndex((c) => c.construct === construct && c.name === name);
  const found = cases[i];
  if (!found?.rejects) throw new Error(`no refused case ${construct}: ${name}`);
  cases[i] = { ...found, rejects: { ...found.rejects, message } };
}
const NETWORK_MESSAGE =
  'network null is not allowed; allowed: a network: new Network(…), Network.fromName(…) or Network.fromId(…)';
const PROPS_MESSAGE = 'props null is not allowed; allowed: an object. Fix: give props as an object, e.g. {';
for (const construct of [
  'Network',
  'KeyPair',
  'SecurityGroup',
  'WorkerGroup',
  'RedisHost',
  'NfsServer',
  'ZfsReplication',
  ...Object.values(CONSTRUCT),
]) {
  says(construct, 'props null (JS caller)', PROPS_MESSAGE);
}
for (const construct of [
  'WorkerGroup',
  'RedisHost',
  'NfsServer',
  'ZfsReplication',
  ...Object.values(CONSTRUCT),
]) {
  says(construct, 'network null (JS caller)', NETWORK_MESSAGE);
}
says('WorkerGroup', 'roles a string (JS caller)', 'roles "primary" is not allowed; allowed: an object.');
says(
  'WorkerGroup',
  'roles.primaryEnvironment null (JS caller)',
  'roles.primaryEnvironment null is not allowed; allowed: an object.',
);
says(
  'WorkerGroup',
  'allowDefaultPortFrom on a group without appPort',
  'c/case/More: default port (not set) is not allowed; allowed: a default port for allowDefaultPortFrom (a worker group with appPort). Fix: give the group an appPort',
);
for (const construct of ['NginxBalancer', 'HaproxyBalancer']) {
  says(
    construct,
    'adminCidrs a string (JS caller)',
    'c/case/Balancer: adminCidrs "198.51.100.0/24" is not allowed; allowed: a list of CIDR blocks. Fix: write adminCidrs: ["198.51.100.0/24"]',
  );
  says(
    construct,
    'ssh.user with a space',
    'ssh.user "de bian" is not allowed; allowed: a login name: a lowercase letter or "_", then lowercase letters, digits, "_", "." and "-", at most 32 characters. Fix: give the image\'s login user, e.g. "debian" or "ubuntu"',
  );
  says(
    construct,
    'ssh.bastion.host with a space',
    'ssh.bastion.host "jump host" is not allowed; allowed: an IPv4 or IPv6 address or a DNS name.',
  );
  for (const [name, address, which] of [
    ['a keepalived VIP on the broadcast address', '10.20.0.255', 'broadcast'],
    ['a keepalived VIP on the network address', '10.20.0.0', 'network'],
    ['a keepalived VIP on the gateway address', '10.20.0.1', 'gateway'],
  ]) {
    says(
      construct,
      name,
      `c/case/Balancer/Hosts/VirtualIp: highAvailability.virtualIp "${address}" is not allowed; allowed: an address of 10.20.0.0/24 other than its network, gateway and broadcast addresses (this is its ${which} address). Fix: pick a free address of that subnet`,
    );
  }
}
for (const construct of ['NginxBalancer', 'HaproxyBalancer']) {
  const daemon = construct === 'NginxBalancer' ? 'nginx' : 'HAProxy';
  says(
    construct,
    'allowedCidrs IPv6 only on an IPv4 listener',
    `listener 'http': allowedCidrs ["2001:db8::/32"] is not allowed; allowed: at least one IPv4 CIDR block (${daemon} listens on IPv4 only: a list of IPv6 blocks alone admits nobody). Fix: list the IPv4 networks of the clients`,
  );
  says(
    construct,
    'a request header value with a newline',
    `listener 'http': requestHeaders["X-Site"] "a\\nX-Admin: 1" is not allowed; allowed: printable ASCII text, not empty, without leading or trailing spaces. Fix: remove a newline`,
  );
  says(
    construct,
    'a rule header value with a newline',
    `listener 'http' rule 1: header value "a\\nb" is not allowed;`,
  );
}
says(
  'OctaviaBalancer',
  'allowedCidrs IPv6 only on an IPv4 listener',
  'allowedCidrs entry "2001:db8::/32" is not allowed; allowed: IPv4 CIDRs (the VIP 10.20.0.0/24 is IPv4; Octavia refuses other families)',
);
says(
  'RedisHost',
  'appendFsync "sometimes"',
  'appendFsync "sometimes" is not allowed; allowed: "always", "everysec", "no".',
);
says(
  'ZfsReplication',
  'dataset ".."',
  'c/case/Zfs: dataset "tank/.." is not allowed; allowed: "pool/name" of letters, digits and "_.-" (no "." or ".." parts)',
);
says(
  'HaproxyBalancer',
  'Stickiness.insertCookie with ";" in the name',
  'c/case/Balancer pool \'web\': cookie name of the stickiness "a;b" is not allowed; allowed: an HTTP token',
);
says(
  'HaproxyBalancer',
  'Stickiness.insertCookie with max-age 0.5',
  "c/case/Balancer pool 'web': stickiness maxAgeSeconds 0.5 is not allowed; allowed: an integer from 1 to 31536000. Fix: give whole seconds (cookie Max-Age is an integer)",
);

says(
  'SecurityGroup',
  'a description of 256 characters',
  `c/case/Group: description "${long(256)}" is not allowed; allowed: at most 255 characters (the OpenStack APIs' limit; this has 256). Fix: shorten the description (when webfarm wrote it, it names the construct path: shorten the construct ids)`,
);
says(
  'SecurityGroup',
  'a construct id of 260 characters (the derived name and description)',
  `/Resource: name of openstack_networking_secgroup_v2 "c-case-${long(260)}" is not allowed; allowed: at most 255 characters (the OpenStack APIs' limit; this has 267). Fix: give a shorter name; webfarm derives names and descriptions from the construct path, so shorten the construct ids on it`,
);
for (const construct of [
  ...Object.values(CONSTRUCT),
  'RedisHost',
  'NfsServer',
  'ZfsReplication',
  'WorkerGroup',
]) {
  const name =
    construct === 'WorkerGroup'
      ? 'inside a construct id of 240 characters (its group name over 255)'
      : 'inside a construct id of 240 characters (derived names over 255)';
  says(
    construct,
    name,
    "is not allowed; allowed: at most 255 characters (the OpenStack APIs' limit; this has",
  );
}

// --- adminAccess: an AdminAccess or a list of CIDR blocks, never anything else ----------------
const ADMIN_MESSAGE =
  'adminAccess "198.51.100.0/24" is not allowed; allowed: an AdminAccess (any IAdminAccess) or a list of CIDR blocks. Fix: give a list such as ["198.51.100.0/24"]';
const withAdmin: Array<[string, string, (c: CaseContext, adminAccess: unknown) => void]> = [
  ['NginxBalancer', 'Balancer', (c, a) => nginx(c, { adminCidrs: undefined, adminAccess: a })],
  ['HaproxyBalancer', 'Balancer', (c, a) => haproxy(c, { adminCidrs: undefined, adminAccess: a })],
  ['WorkerGroup', 'More', (c, a) => wg({ adminAccess: a })(c)],
  ['RedisHost', 'Redis', (c, a) => redis({ adminAccess: a })(c)],
  ['NfsServer', 'Files', (c, a) => nfs({ adminAccess: a })(c)],
  ['ZfsReplication', 'Zfs', (c, a) => zfs({ adminAccess: a })(c)],
];
for (const [construct, id, make] of withAdmin) {
  bad(
    construct,
    'adminAccess a CIDR string (JS caller)',
    (c) => make(c, '198.51.100.0/24'),
    id,
    '198.51.100.0/24',
  );
  bad(construct, 'adminAccess a plain object (JS caller)', (c) => make(c, {}), id, {});
  says(construct, 'adminAccess a CIDR string (JS caller)', ADMIN_MESSAGE);
}
ok('WorkerGroup', 'adminAccess as a list of CIDR blocks', wg({ count: 1, adminAccess: ['198.51.100.0/24'] }));
bad(
  'WorkerGroup',
  'adminAccess entry not a CIDR',
  wg({ adminAccess: ['198.51.100.7'] }),
  'More',
  '198.51.100.7',
);

/** Every case, numbered. */
export const CORPUS: readonly CorpusCase[] = cases;

// --- Rules only the daemons' renderers know (their messages carry the construct path) ---------
bad(
  'NginxBalancer',
  'hash on a header with "_" (nginx drops such headers)',
  balancer('nginx', { algorithm: Algorithm.hashHeader('machine_id') }),
  "Balancer nginx pool 'web'",
  'machine_id',
);
bad(
  'NginxBalancer',
  'hash on a cookie with "-" (nginx cannot read it)',
  balancer('nginx', { algorithm: Algorithm.hashCookie('my-session') }),
  "Balancer nginx pool 'web'",
  'my-session',
);
bad(
  'NginxBalancer',
  'source-ip stickiness with least connections',
  balancer('nginx', { algorithm: Algorithm.leastConnections(), stickiness: Stickiness.sourceIp() }),
  "Balancer nginx pool 'web'",
);
bad(
  'NginxBalancer',
  'a rule on a header with "_"',
  (c) => {
    const lb = nginx(c);
    const web = lb.addPool('web', { port: 8080 });
    lb.addListener('http', { port: 80, defaultPool: web, rules: [{ pool: web, header: { name: 'x_id' } }] });
  },
  "Balancer nginx listener 'http' rule 1",
  'x_id',
);
bad(
  'HaproxyBalancer',
  'hash on a header HAProxy cannot name in a sample fetch',
  balancer('haproxy', { algorithm: Algorithm.hashHeader('X!Id') }),
  "Balancer haproxy pool 'web'",
  'X!Id',
);
bad(
  'HaproxyBalancer',
  'a sticky cookie name HAProxy cannot write',
  balancer('haproxy', { stickiness: Stickiness.insertCookie('id!x') }),
  "Balancer haproxy pool 'web'",
  'id!x',
);
