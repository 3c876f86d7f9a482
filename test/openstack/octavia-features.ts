import { App, TerraformStack, Testing } from '../../lib/core/cdk';
import { Algorithm, Stickiness, ValidationError } from '../../lib/core';
import { Network, OctaviaBalancer, OctaviaBalancerProps, OctaviaDriver } from '../../lib/openstack';
import { INetwork } from '../../lib/openstack/network';
import { StackJson, resourceAt, resourcesOf } from '../support/synth';

/**
 * The feature × driver table of docs/octavia.md, as data: each row builds one use of a feature
 * on a fresh balancer of each driver, at the newest API version (so only the driver decides),
 * and states the outcome: ACCEPTED (and what it writes) or the exact ValidationError message.
 * `octavia-matrix.test.ts` runs every row on both drivers and checks that docs/octavia.md shows
 * exactly this table.
 */

/** A balancer on a subnet of known CIDR (10.0.0.0/24), in stack `octavia`. */
export interface Fixture {
  readonly stack: TerraformStack;
  readonly network: INetwork;
  readonly lb: OctaviaBalancer;
}

/** Builds the fixture for one driver. */
export function fixture(
  app: App,
  driver: OctaviaDriver,
  props: Partial<OctaviaBalancerProps> = {},
  apiVersion = '2.30',
): Fixture {
  const stack = new TerraformStack(app, 'octavia');
  const network = Network.fromName(stack, 'Net', 'auto_allocated_network', { cidr: '10.0.0.0/24' });
  const lb = new OctaviaBalancer(stack, 'Lb', { network, driver, apiVersion, ...props });
  return { stack, network, lb };
}

/** What a row expects of a driver. */
export const ACCEPTED = 'accepted';

/** One row of the table. */
export interface FeatureRow {
  /** Part of Octavia the feature belongs to. */
  readonly area: string;
  /** The feature, as webfarm spells it. */
  readonly feature: string;
  /** The Octavia API microversion that introduced it ('2.0' for the base API). */
  readonly api: string;
  /** What an accepted use writes (Terraform attributes). */
  readonly writes: string;
  /** Extra balancer props. */
  readonly props?: Partial<OctaviaBalancerProps>;
  /** Uses the feature on the fixture. */
  readonly build: (f: Fixture) => void;
  /** Checks the synthesized stack of an accepted use. */
  readonly check: (json: StackJson) => void;
  /** ACCEPTED or the exact message on amphora. */
  readonly amphora: string;
  /** ACCEPTED or the exact message on ovn. */
  readonly ovn: string;
}

/** The outcome of a row on a driver: 'accepted' with the stack, or the ValidationError message. */
export function runRow(row: FeatureRow, driver: OctaviaDriver): { outcome: string; json?: StackJson } {
  const app = Testing.app();
  try {
    const f = fixture(app, driver, row.props);
    row.build(f);
    const json = JSON.parse(Testing.synth(f.stack, true)) as StackJson;
    return { outcome: ACCEPTED, json };
  } catch (e) {
    if (e instanceof ValidationError) return { outcome: e.message };
    throw e;
  }
}

function one(json: StackJson, type: string): Record<string, unknown> {
  const all = Object.values(resourcesOf(json, type));
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

const pool = (json: StackJson) => one(json, 'openstack_lb_pool_v2');
const listener = (json: StackJson, part = 'Listener-main') =>
  resourceAt(json, 'openstack_lb_listener_v2', part);
const monitor = (json: StackJson) => one(json, 'openstack_lb_monitor_v2');
const members = (json: StackJson) =>
  one(json, 'openstack_lb_members_v2').member as Array<Record<string, unknown>>;

/** A tcp pool and a TCP listener: valid on both drivers. */
function l4(f: Fixture, pool: Parameters<OctaviaBalancer['addPool']>[1] = { port: 8080 }) {
  const web = f.lb.addPool('web', { protocol: 'tcp', ...pool });
  f.lb.addListener('main', { port: 80, protocol: 'tcp', defaultPool: web });
  return web;
}

/** An http pool and an HTTP listener (amphora only). */
function l7(f: Fixture) {
  const web = f.lb.addPool('web', { port: 8080 });
  const api = f.lb.addPool('api', { port: 9090 });
  return { web, api };
}

const OVN_NO_L7 =
  'octavia/Lb listener \'main\' rule 1: routing rules (Octavia (ovn driver)) "rules" is not allowed; allowed: none. Fix: the ovn driver has no L7 policies; use driver "amphora", or route by port with one listener per service';

const BARBICAN = {
  kind: 'barbican' as const,
  containerRef: 'https://barbican.example.org/v1/containers/0b6a',
};

export const FEATURE_ROWS: readonly FeatureRow[] = [
  {
    area: 'load balancer',
    feature: 'flavor (`flavorId`; ACTIVE_STANDBY comes from the operator’s flavor)',
    api: '2.6',
    writes: '`flavor_id`',
    props: { flavorId: 'ha-flavor-id' },
    build: (f) => l4(f),
    check: (json) =>
      expectEqual(one(json, 'openstack_lb_loadbalancer_v2').flavor_id, 'ha-flavor-id', 'flavor_id'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb: flavorId (Octavia (ovn driver)) "ha-flavor-id" is not allowed; allowed: no flavorId (one topology) on the ovn driver. Fix: drop flavorId (the ovn driver has no flavors), or use driver "amphora"',
  },
  {
    area: 'load balancer',
    feature: 'availability zone (`availabilityZone`)',
    api: '2.14',
    writes: '`availability_zone`',
    props: { availabilityZone: 'az-1' },
    build: (f) => l4(f),
    check: (json) => expectEqual(one(json, 'openstack_lb_loadbalancer_v2').availability_zone, 'az-1', 'az'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb: availabilityZone (Octavia (ovn driver)) "az-1" is not allowed; allowed: no availabilityZone on the ovn driver. Fix: drop availabilityZone (the ovn driver has no availability zones), or use driver "amphora"',
  },
  {
    area: 'load balancer',
    feature: 'floating IP on the VIP port (`floatingIpPool`)',
    api: '2.0',
    writes: '`openstack_networking_floatingip_v2` + `_associate_v2` on `vip_port_id`',
    props: { floatingIpPool: 'public' },
    build: (f) => l4(f),
    check: (json) =>
      expectEqual(
        (one(json, 'openstack_networking_floatingip_associate_v2').port_id as string).endsWith(
          '.vip_port_id}',
        ),
        true,
        'association on the VIP port',
      ),
    amphora: ACCEPTED,
    ovn: ACCEPTED,
  },
  {
    area: 'listener',
    feature: 'HTTP listener',
    api: '2.0',
    writes: '`protocol = "HTTP"`',
    build: (f) => {
      const web = f.lb.addPool('web', { port: 8080, protocol: 'http' });
      f.lb.addListener('main', { port: 80, protocol: 'http', defaultPool: web });
    },
    check: (json) => expectEqual(listener(json).protocol, 'HTTP', 'protocol'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb pool \'web\': pool protocol (Octavia (ovn driver)) "http" is not allowed; allowed: tcp, udp. Fix: the ovn driver is layer 4 only (TCP and UDP listeners and pools); use protocol "tcp", or driver "amphora" for HTTP',
  },
  {
    area: 'listener',
    feature: 'TCP listener',
    api: '2.0',
    writes: '`protocol = "TCP"`',
    build: (f) => l4(f),
    check: (json) => expectEqual(listener(json).protocol, 'TCP', 'protocol'),
    amphora: ACCEPTED,
    ovn: ACCEPTED,
  },
  {
    area: 'listener',
    feature: 'UDP listener',
    api: '2.0',
    writes: '`protocol = "UDP"`, pool `UDP`',
    build: (f) => {
      const dns = f.lb.addPool('dns', { port: 53, protocol: 'udp' });
      f.lb.addListener('main', { port: 53, protocol: 'udp', defaultPool: dns });
    },
    check: (json) => expectEqual([listener(json).protocol, pool(json).protocol], ['UDP', 'UDP'], 'protocols'),
    amphora: ACCEPTED,
    ovn: ACCEPTED,
  },
  {
    area: 'listener',
    feature: 'TLS passthrough, `protocol: "https"`',
    api: '2.0',
    writes: '`protocol = "HTTPS"` (Octavia’s passthrough)',
    build: (f) => {
      const web = f.lb.addPool('web', { port: 8443, protocol: 'https' });
      f.lb.addListener('main', {
        port: 443,
        protocol: 'https',
        tls: { mode: 'passthrough' },
        defaultPool: web,
      });
    },
    check: (json) => expectEqual(listener(json).protocol, 'HTTPS', 'protocol'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb pool \'web\': pool protocol (Octavia (ovn driver)) "https" is not allowed; allowed: tcp, udp. Fix: the ovn driver is layer 4 only (TCP and UDP listeners and pools); use protocol "tcp", or driver "amphora" for HTTP',
  },
  {
    area: 'listener',
    feature: 'TLS passthrough, `protocol: "tcp"`',
    api: '2.0',
    writes: 'amphora `HTTPS`, ovn `TCP`',
    build: (f) => {
      const web = f.lb.addPool('web', { port: 8443, protocol: 'tcp' });
      f.lb.addListener('main', {
        port: 443,
        protocol: 'tcp',
        tls: { mode: 'passthrough' },
        defaultPool: web,
      });
    },
    check: (json) => {
      const p = listener(json).protocol;
      if (p !== 'HTTPS' && p !== 'TCP') throw new Error(`passthrough protocol ${String(p)}`);
    },
    amphora: ACCEPTED,
    ovn: ACCEPTED,
  },
  {
    area: 'listener',
    feature: 'TLS termination with a Barbican container',
    api: '2.0',
    writes: '`TERMINATED_HTTPS`, `default_tls_container_ref`',
    build: (f) => {
      const web = f.lb.addPool('web', { port: 8080 });
      f.lb.addListener('main', { port: 443, tls: { certificate: BARBICAN }, defaultPool: web });
    },
    check: (json) =>
      expectEqual(
        [listener(json).protocol, listener(json).default_tls_container_ref],
        ['TERMINATED_HTTPS', BARBICAN.containerRef],
        'TLS listener',
      ),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb listener \'main\': protocol (Octavia (ovn driver)) "https" is not allowed; allowed: tcp, udp. Fix: the ovn driver is layer 4 only: for TLS passthrough use protocol "tcp" with tls.mode "passthrough"; to terminate TLS use driver "amphora" (TERMINATED_HTTPS with Barbican)',
  },
  {
    area: 'listener',
    feature: 'TLS termination with certificate files',
    api: '—',
    writes: '—',
    build: (f) => {
      const web = f.lb.addPool('web', { port: 8080 });
      f.lb.addListener('main', {
        port: 443,
        tls: { certificate: { kind: 'files', certificatePath: '/etc/ssl/a.pem', keyPath: '/etc/ssl/a.key' } },
        defaultPool: web,
      });
    },
    check: () => undefined,
    amphora:
      'octavia/Lb listener \'main\': certificate source (Octavia (amphora driver)) "files" is not allowed; allowed: barbican. Fix: Octavia reads certificates from Barbican: store certificate and key as a Barbican secret container and use { kind: "barbican", containerRef }',
    ovn: 'octavia/Lb listener \'main\': protocol (Octavia (ovn driver)) "https" is not allowed; allowed: tcp, udp. Fix: the ovn driver is layer 4 only: for TLS passthrough use protocol "tcp" with tls.mode "passthrough"; to terminate TLS use driver "amphora" (TERMINATED_HTTPS with Barbican)',
  },
  {
    area: 'listener',
    feature: 'client allow-list (`allowedCidrs`)',
    api: '2.12',
    writes:
      'amphora: `allowed_cidrs` + VIP security group; ovn: VIP group + the workers’ group (members see client addresses)',
    build: (f) => {
      const web = f.lb.addPool('web', { port: 8080, protocol: 'tcp' });
      f.lb.addListener('main', {
        port: 80,
        protocol: 'tcp',
        defaultPool: web,
        allowedCidrs: ['198.51.100.0/24'],
      });
    },
    check: (json) => {
      const rules = Object.values(resourcesOf(json, 'openstack_networking_secgroup_rule_v2'));
      expectEqual(
        rules.some((r) => r.remote_ip_prefix === '198.51.100.0/24'),
        true,
        'VIP group rule from the allowed CIDR',
      );
    },
    amphora: ACCEPTED,
    ovn: ACCEPTED,
  },
  {
    area: 'listener',
    feature: 'header insertion (`insertHeaders`)',
    api: '2.0 (X-Forwarded-Proto 2.1)',
    writes: '`insert_headers`',
    build: (f) => {
      const web = f.lb.addPool('web', { port: 8080 });
      f.lb.addListener('main', { port: 80, defaultPool: web, insertHeaders: { forwardedPort: true } });
    },
    check: (json) =>
      expectEqual(
        listener(json).insert_headers,
        { 'X-Forwarded-For': 'true', 'X-Forwarded-Port': 'true', 'X-Forwarded-Proto': 'true' },
        'insert_headers',
      ),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb listener \'main\': insertHeaders (Octavia (ovn driver)) {"forwardedPort":true} is not allowed; allowed: no insertHeaders on the ovn driver. Fix: drop insertHeaders (the ovn driver does not speak HTTP), or use driver "amphora"',
  },
  {
    area: 'listener',
    feature: 'timeouts (`timeouts`)',
    api: '2.1',
    writes: '`timeout_client_data`, `timeout_member_data`, … (ms)',
    build: (f) => {
      const web = f.lb.addPool('web', { port: 8080, protocol: 'tcp' });
      f.lb.addListener('main', {
        port: 80,
        protocol: 'tcp',
        defaultPool: web,
        timeouts: { memberDataSeconds: 3600 },
      });
    },
    check: (json) => expectEqual(listener(json).timeout_member_data, 3600000, 'timeout_member_data'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb listener \'main\': timeouts (Octavia (ovn driver)) {"memberDataSeconds":3600} is not allowed; allowed: no timeouts on the ovn driver. Fix: drop timeouts (the ovn driver has none), or use driver "amphora"',
  },
  {
    area: 'listener',
    feature: 'connection limit (`connectionLimit`)',
    api: '2.0',
    writes: '`connection_limit`',
    build: (f) => {
      const web = f.lb.addPool('web', { port: 8080, protocol: 'tcp' });
      f.lb.addListener('main', { port: 80, protocol: 'tcp', defaultPool: web, connectionLimit: 5000 });
    },
    check: (json) => expectEqual(listener(json).connection_limit, 5000, 'connection_limit'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb listener \'main\': connectionLimit (Octavia (ovn driver)) 5000 is not allowed; allowed: no connectionLimit on the ovn driver. Fix: drop connectionLimit (the ovn driver has none), or use driver "amphora"',
  },
  {
    area: 'listener',
    feature: 'TLS versions (`tls.versions`)',
    api: '2.17',
    writes: '`tls_versions`',
    build: (f) => {
      const web = f.lb.addPool('web', { port: 8080 });
      f.lb.addListener('main', {
        port: 443,
        tls: { certificate: BARBICAN, versions: ['TLSv1.3'] },
        defaultPool: web,
      });
    },
    check: (json) => expectEqual(listener(json).tls_versions, ['TLSv1.3'], 'tls_versions'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb listener \'main\': protocol (Octavia (ovn driver)) "https" is not allowed; allowed: tcp, udp. Fix: the ovn driver is layer 4 only: for TLS passthrough use protocol "tcp" with tls.mode "passthrough"; to terminate TLS use driver "amphora" (TERMINATED_HTTPS with Barbican)',
  },
  {
    area: 'listener',
    feature: 'TLS ciphers (`tlsCiphers`)',
    api: '2.15',
    writes: '`tls_ciphers`',
    build: (f) => {
      const web = f.lb.addPool('web', { port: 8080 });
      f.lb.addListener('main', {
        port: 443,
        tls: { certificate: BARBICAN },
        tlsCiphers: 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384',
        defaultPool: web,
      });
    },
    check: (json) =>
      expectEqual(
        listener(json).tls_ciphers,
        'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384',
        'ciphers',
      ),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb listener \'main\': protocol (Octavia (ovn driver)) "https" is not allowed; allowed: tcp, udp. Fix: the ovn driver is layer 4 only: for TLS passthrough use protocol "tcp" with tls.mode "passthrough"; to terminate TLS use driver "amphora" (TERMINATED_HTTPS with Barbican)',
  },
  {
    area: 'listener',
    feature: 'HSTS (`tls.hstsMaxAgeSeconds`)',
    api: '2.27',
    writes: '`hsts_max_age`',
    build: (f) => {
      const web = f.lb.addPool('web', { port: 8080 });
      f.lb.addListener('main', {
        port: 443,
        tls: { certificate: BARBICAN, hstsMaxAgeSeconds: 31536000 },
        hstsIncludeSubdomains: true,
        defaultPool: web,
      });
    },
    check: (json) =>
      expectEqual(
        [listener(json).hsts_max_age, listener(json).hsts_include_subdomains],
        [31536000, true],
        'hsts',
      ),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb listener \'main\': protocol (Octavia (ovn driver)) "https" is not allowed; allowed: tcp, udp. Fix: the ovn driver is layer 4 only: for TLS passthrough use protocol "tcp" with tls.mode "passthrough"; to terminate TLS use driver "amphora" (TERMINATED_HTTPS with Barbican)',
  },
  {
    area: 'listener',
    feature: 'HTTP → HTTPS redirect (`tls.redirectFromPort` + `redirectPrefix`)',
    api: '2.0 (301 code 2.9)',
    writes: 'HTTP listener + L7 policy `REDIRECT_PREFIX` + rule `PATH STARTS_WITH /`',
    build: (f) => {
      const web = f.lb.addPool('web', { port: 8443, protocol: 'tcp' });
      f.lb.addListener('main', {
        port: 443,
        protocol: 'tcp',
        tls: { mode: 'passthrough', redirectFromPort: 80 },
        redirectPrefix: 'https://www.example.org',
        defaultPool: web,
      });
    },
    check: (json) => {
      const policy = one(json, 'openstack_lb_l7policy_v2');
      expectEqual(
        [policy.action, policy.redirect_prefix],
        ['REDIRECT_PREFIX', 'https://www.example.org'],
        'policy',
      );
    },
    amphora: ACCEPTED,
    ovn: 'octavia/Lb listener \'main\': tls.redirectFromPort (Octavia (ovn driver)) 80 is not allowed; allowed: no redirect listener (layer 4 only) on the ovn driver. Fix: the ovn driver has no HTTP listeners or L7 redirects; drop redirectFromPort, or use driver "amphora"',
  },
  {
    area: 'listener',
    feature: 'rate limit (`rateLimitPerSecond`)',
    api: '—',
    writes: '—',
    build: (f) => {
      const web = f.lb.addPool('web', { port: 8080, protocol: 'tcp' });
      f.lb.addListener('main', { port: 80, protocol: 'tcp', defaultPool: web, rateLimitPerSecond: 20 });
    },
    check: () => undefined,
    amphora:
      "octavia/Lb listener 'main': rateLimitPerSecond (Octavia (amphora driver)) 20 is not allowed; allowed: no rate limit (Octavia has no request rate limiting; connectionLimit caps concurrent connections). Fix: drop rateLimitPerSecond and use connectionLimit, or NginxBalancer/HaproxyBalancer for per-client rate limits",
    ovn: "octavia/Lb listener 'main': rateLimitPerSecond (Octavia (ovn driver)) 20 is not allowed; allowed: no rate limit (Octavia has no request rate limiting; connectionLimit caps concurrent connections). Fix: drop rateLimitPerSecond and use connectionLimit, or NginxBalancer/HaproxyBalancer for per-client rate limits",
  },
  {
    area: 'listener',
    feature: 'Prometheus metrics (`addMetricsListener`)',
    api: '2.25',
    writes: '`protocol = "PROMETHEUS"`',
    build: (f) => {
      l4(f);
      f.lb.addMetricsListener('metrics', { port: 9100, allowedCidrs: ['10.0.0.0/24'] });
    },
    check: (json) => expectEqual(listener(json, 'Listener-metrics').protocol, 'PROMETHEUS', 'protocol'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb listener \'metrics\': PROMETHEUS listener (Octavia (ovn driver)) 9100 is not allowed; allowed: TCP and UDP listeners on the ovn driver. Fix: use driver "amphora" for balancer metrics',
  },
  ...(
    [
      [
        'ROUND_ROBIN',
        Algorithm.roundRobin(),
        ACCEPTED,
        'octavia/Lb pool \'web\': algorithm (Octavia (ovn driver)) "round-robin" is not allowed; allowed: source-ip-port. Fix: the ovn driver balances by SOURCE_IP_PORT only; use Algorithm.sourceIpPort() (the default on ovn), or driver "amphora" for ROUND_ROBIN',
      ],
      [
        'LEAST_CONNECTIONS',
        Algorithm.leastConnections(),
        ACCEPTED,
        'octavia/Lb pool \'web\': algorithm (Octavia (ovn driver)) "least-connections" is not allowed; allowed: source-ip-port. Fix: the ovn driver balances by SOURCE_IP_PORT only; use Algorithm.sourceIpPort(), or driver "amphora" for LEAST_CONNECTIONS',
      ],
      [
        'SOURCE_IP',
        Algorithm.sourceIp(),
        ACCEPTED,
        'octavia/Lb pool \'web\': algorithm (Octavia (ovn driver)) "source-ip" is not allowed; allowed: source-ip-port. Fix: the ovn driver neither hashes by source address alone nor keeps sessions: use Algorithm.sourceIpPort() without stickiness, or driver "amphora" (SOURCE_IP)',
      ],
      [
        'SOURCE_IP_PORT',
        Algorithm.sourceIpPort(),
        'octavia/Lb pool \'web\': algorithm (Octavia (amphora driver)) "source-ip-port" is not allowed; allowed: round-robin, least-connections, source-ip. Fix: the amphora driver has no SOURCE_IP_PORT (only the ovn driver has it); use Algorithm.sourceIp() (SOURCE_IP)',
        ACCEPTED,
      ],
    ] as const
  ).map(([method, algorithm, amphora, ovn]): FeatureRow => ({
    area: 'pool',
    feature: `\`Algorithm.${algorithmCall(algorithm.kind)}\``,
    api: method === 'SOURCE_IP_PORT' ? '2.13' : '2.0',
    writes: `\`lb_method = "${method}"\``,
    build: (f) => l4(f, { port: 8080, algorithm }),
    check: (json) => expectEqual(pool(json).lb_method, method, 'lb_method'),
    amphora,
    ovn,
  })),
  ...(
    [
      [
        'hash by header',
        () => Algorithm.hashHeader('machineid'),
        'Algorithm.hashHeader("machineid")',
        'octavia/Lb pool \'web\': algorithm (Octavia (amphora driver)) "hash-header" is not allowed; allowed: round-robin, least-connections, source-ip. Fix: hash by header is not supported by Octavia; use NginxBalancer or HaproxyBalancer (Algorithm.hashHeader), or Algorithm.sourceIp() (SOURCE_IP)',
        'octavia/Lb pool \'web\': algorithm (Octavia (ovn driver)) "hash-header" is not allowed; allowed: source-ip-port. Fix: hash by header is not supported by Octavia; use NginxBalancer or HaproxyBalancer (Algorithm.hashHeader), or Algorithm.sourceIpPort() on ovn',
      ],
      [
        'hash by cookie',
        () => Algorithm.hashCookie('session'),
        'Algorithm.hashCookie("session")',
        'octavia/Lb pool \'web\': algorithm (Octavia (amphora driver)) "hash-cookie" is not allowed; allowed: round-robin, least-connections, source-ip. Fix: hash by cookie is not supported by Octavia; use Stickiness.appCookie(name) (APP_COOKIE) with round robin, or NginxBalancer or HaproxyBalancer (Algorithm.hashCookie)',
        'octavia/Lb pool \'web\': algorithm (Octavia (ovn driver)) "hash-cookie" is not allowed; allowed: source-ip-port. Fix: hash by cookie is not supported by Octavia; use NginxBalancer or HaproxyBalancer, or driver "amphora" with Stickiness.appCookie(name)',
      ],
      [
        'hash by URI',
        () => Algorithm.hashUri(),
        'Algorithm.hashUri()',
        'octavia/Lb pool \'web\': algorithm (Octavia (amphora driver)) "hash-uri" is not allowed; allowed: round-robin, least-connections, source-ip. Fix: hash by URI is not supported by Octavia; use NginxBalancer or HaproxyBalancer (Algorithm.hashUri)',
        'octavia/Lb pool \'web\': algorithm (Octavia (ovn driver)) "hash-uri" is not allowed; allowed: source-ip-port. Fix: hash by URI is not supported by Octavia; use NginxBalancer or HaproxyBalancer (Algorithm.hashUri)',
      ],
      [
        'power of two choices',
        () => Algorithm.randomTwo(),
        'Algorithm.randomTwo()',
        'octavia/Lb pool \'web\': algorithm (Octavia (amphora driver)) "random-two" is not allowed; allowed: round-robin, least-connections, source-ip. Fix: Octavia has no power-of-two-choices balancing; use Algorithm.leastConnections() (LEAST_CONNECTIONS)',
        'octavia/Lb pool \'web\': algorithm (Octavia (ovn driver)) "random-two" is not allowed; allowed: source-ip-port. Fix: the ovn driver balances by SOURCE_IP_PORT only; use Algorithm.sourceIpPort()',
      ],
    ] as const
  ).map(([, algorithm, call, amphora, ovn]): FeatureRow => ({
    area: 'pool',
    feature: `\`${call}\``,
    api: '—',
    writes: '—',
    build: (f) => l4(f, { port: 8080, algorithm: algorithm() }),
    check: () => undefined,
    amphora,
    ovn,
  })),
  {
    area: 'pool',
    feature: 'persistence by client address (`Stickiness.sourceIp()`)',
    api: '2.0',
    writes: '`persistence { type = "SOURCE_IP" }`',
    build: (f) => l4(f, { port: 8080, stickiness: Stickiness.sourceIp() }),
    check: (json) => expectEqual(pool(json).persistence, { type: 'SOURCE_IP' }, 'persistence'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb pool \'web\': stickiness (Octavia (ovn driver)) "source-ip" is not allowed; allowed: none. Fix: the ovn driver neither hashes by source address alone nor keeps sessions: use Algorithm.sourceIpPort() without stickiness, or driver "amphora" (SOURCE_IP)',
  },
  {
    area: 'pool',
    feature: 'inserted cookie (`Stickiness.insertCookie()`)',
    api: '2.0',
    writes: '`persistence { type = "HTTP_COOKIE" }` (cookie `SRV`)',
    build: (f) => {
      const web = f.lb.addPool('web', { port: 8080, stickiness: Stickiness.insertCookie() });
      f.lb.addListener('main', { port: 80, defaultPool: web });
    },
    check: (json) => expectEqual(pool(json).persistence, { type: 'HTTP_COOKIE' }, 'persistence'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb pool \'web\': stickiness (Octavia (ovn driver)) "insert-cookie" is not allowed; allowed: none. Fix: the ovn driver has no session persistence (it cannot see HTTP); drop stickiness, or use driver "amphora" (HTTP_COOKIE)',
  },
  {
    area: 'pool',
    feature: 'application cookie (`Stickiness.appCookie("JSESSIONID")`)',
    api: '2.0',
    writes: '`persistence { type = "APP_COOKIE", cookie_name = … }`',
    build: (f) => {
      const web = f.lb.addPool('web', { port: 8080, stickiness: Stickiness.appCookie('JSESSIONID') });
      f.lb.addListener('main', { port: 80, defaultPool: web });
    },
    check: (json) =>
      expectEqual(pool(json).persistence, { cookie_name: 'JSESSIONID', type: 'APP_COOKIE' }, 'persistence'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb pool \'web\': stickiness (Octavia (ovn driver)) "app-cookie" is not allowed; allowed: none. Fix: the ovn driver has no session persistence (it cannot see HTTP); drop stickiness, or use driver "amphora" (APP_COOKIE)',
  },
  {
    area: 'pool',
    feature: 'PROXY protocol v1 (`proxyProtocol: "v1"`)',
    api: '2.0',
    writes: '`protocol = "PROXY"`',
    build: (f) => l4(f, { port: 8080, proxyProtocol: 'v1' }),
    check: (json) => expectEqual(pool(json).protocol, 'PROXY', 'protocol'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb pool \'web\': proxyProtocol (Octavia (ovn driver)) "v1" is not allowed; allowed: no proxyProtocol on the ovn driver. Fix: drop proxyProtocol (the ovn driver forwards packets unchanged, so members already see the client address)',
  },
  {
    area: 'pool',
    feature: 'PROXY protocol v2 (`proxyProtocol: "v2"`)',
    api: '2.22',
    writes: '`protocol = "PROXYV2"`',
    build: (f) => l4(f, { port: 8080, proxyProtocol: 'v2' }),
    check: (json) => expectEqual(pool(json).protocol, 'PROXYV2', 'protocol'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb pool \'web\': proxyProtocol (Octavia (ovn driver)) "v2" is not allowed; allowed: no proxyProtocol on the ovn driver. Fix: drop proxyProtocol (the ovn driver forwards packets unchanged, so members already see the client address)',
  },
  {
    area: 'pool',
    feature: 'passive health checks (`healthCheck.passive`)',
    api: '—',
    writes: '—',
    build: (f) => l4(f, { port: 8080, healthCheck: { passive: { maxFails: 3 } } }),
    check: () => undefined,
    amphora:
      'octavia/Lb pool \'web\': passive health check (Octavia (amphora driver)) "passive" is not allowed; allowed: active health checks only. Fix: Octavia has no passive health checks; use healthCheck.active (an Octavia health monitor)',
    ovn: 'octavia/Lb pool \'web\': passive health check (Octavia (ovn driver)) "passive" is not allowed; allowed: active health checks only. Fix: Octavia has no passive health checks; use healthCheck.active with protocol "tcp" (a TCP or UDP-CONNECT monitor)',
  },
  {
    area: 'health monitor',
    feature: 'HTTP monitor (path, method, expected codes)',
    api: '2.0',
    writes: '`type = "HTTP"`, `url_path`, `http_method`, `expected_codes`',
    build: (f) => {
      const web = f.lb.addPool('web', {
        port: 8080,
        healthCheck: { active: { path: '/health', method: 'HEAD', expectedCodes: '200,204' } },
      });
      f.lb.addListener('main', { port: 80, defaultPool: web });
    },
    check: (json) =>
      expectEqual(
        [monitor(json).type, monitor(json).url_path, monitor(json).http_method, monitor(json).expected_codes],
        ['HTTP', '/health', 'HEAD', '200,204'],
        'monitor',
      ),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb pool \'web\': health monitor type (Octavia (ovn driver)) "HTTP" is not allowed; allowed: TCP, UDP-CONNECT on the ovn driver. Fix: the ovn driver runs TCP and UDP-CONNECT monitors only: use healthCheck.active.protocol "tcp" (UDP pools get UDP-CONNECT), or driver "amphora" for HTTP checks',
  },
  {
    area: 'health monitor',
    feature: 'HTTP monitor on a tcp pool (`protocol: "http"`)',
    api: '2.0',
    writes: '`type = "HTTP"`',
    build: (f) => l4(f, { port: 8080, healthCheck: { active: { protocol: 'http', path: '/health' } } }),
    check: (json) => expectEqual(monitor(json).type, 'HTTP', 'type'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb pool \'web\': health monitor type (Octavia (ovn driver)) "HTTP" is not allowed; allowed: TCP, UDP-CONNECT on the ovn driver. Fix: the ovn driver runs TCP and UDP-CONNECT monitors only: use healthCheck.active.protocol "tcp" (UDP pools get UDP-CONNECT), or driver "amphora" for HTTP checks',
  },
  {
    area: 'health monitor',
    feature: 'TCP monitor',
    api: '2.0',
    writes: '`type = "TCP"`, `delay`, `timeout`, `max_retries`, `max_retries_down`',
    build: (f) => l4(f, { port: 8080, healthCheck: { active: { intervalSeconds: 10, timeoutSeconds: 4 } } }),
    check: (json) =>
      expectEqual(
        [monitor(json).type, monitor(json).delay, monitor(json).timeout, monitor(json).max_retries_down],
        ['TCP', 10, 4, 3],
        'monitor',
      ),
    amphora: ACCEPTED,
    ovn: ACCEPTED,
  },
  {
    area: 'health monitor',
    feature: 'UDP-CONNECT monitor (udp pool)',
    api: '2.0',
    writes: '`type = "UDP-CONNECT"`',
    build: (f) => {
      const dns = f.lb.addPool('dns', { port: 53, protocol: 'udp', healthCheck: { active: {} } });
      f.lb.addListener('main', { port: 53, protocol: 'udp', defaultPool: dns });
    },
    check: (json) => expectEqual(monitor(json).type, 'UDP-CONNECT', 'type'),
    amphora: ACCEPTED,
    ovn: ACCEPTED,
  },
  {
    area: 'member',
    feature: 'weights',
    api: '2.0',
    writes: '`member { weight = … }`',
    build: (f) => l4(f).addNodes([{ name: 'app-1', host: '10.0.0.5', port: 8080, weight: 5 }]),
    check: (json) => expectEqual(members(json)[0].weight, 5, 'weight'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb pool \'web\': member weight (Octavia (ovn driver)) "5" is not allowed; allowed: weight 1. Fix: the ovn driver has no member weights; use driver "amphora", or drop weight',
  },
  {
    area: 'member',
    feature: 'backup members',
    api: '2.1',
    writes: '`member { backup = true }`',
    build: (f) =>
      l4(f).addNodes([
        { name: 'app-1', host: '10.0.0.5', port: 8080 },
        { name: 'spare', host: '10.0.0.9', port: 8080, backup: true },
      ]),
    check: (json) => expectEqual(members(json)[1].backup, true, 'backup'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb pool \'web\': backup member (Octavia (ovn driver)) "spare" is not allowed; allowed: no backup members. Fix: the ovn driver has no backup members; use driver "amphora", or drop backup',
  },
  {
    area: 'member',
    feature: 'member in the VIP subnet by address (`"10.0.0.5:8080"`)',
    api: '2.0',
    writes: '`member { address, protocol_port }`',
    build: (f) => l4(f).addNodes(['10.0.0.5:8080']),
    check: (json) => expectEqual(members(json)[0].address, '10.0.0.5', 'address'),
    amphora: ACCEPTED,
    ovn: ACCEPTED,
  },
  {
    area: 'member',
    feature: 'external member by address (`"203.0.113.10:80"`)',
    api: '2.0',
    writes: '`member { address = "203.0.113.10" }`',
    build: (f) => l4(f).addNodes(['203.0.113.10:80']),
    check: (json) => expectEqual(members(json)[0].address, '203.0.113.10', 'address'),
    amphora: ACCEPTED,
    ovn: 'octavia/Lb pool \'web\': member address (Octavia (ovn driver)) "203.0.113.10" is not allowed; allowed: an address inside the VIP subnet 10.0.0.0/24. Fix: the ovn driver reaches members only through the VIP subnet; use driver "amphora" for external members',
  },
  {
    area: 'member',
    feature: 'member by DNS name (`"app-1.internal:80"`)',
    api: '—',
    writes: '—',
    build: (f) => l4(f).addNodes(['app-1.internal:80']),
    check: () => undefined,
    amphora:
      "octavia/Lb pool 'web': member address \"app-1.internal\" is not allowed; allowed: an IPv4 or IPv6 address (Octavia members are addresses, not names). Fix: give the address (an instance's private address is a Terraform reference), or resolve the name first",
    ovn: "octavia/Lb pool 'web': member address \"app-1.internal\" is not allowed; allowed: an IPv4 or IPv6 address (Octavia members are addresses, not names). Fix: give the address (an instance's private address is a Terraform reference), or resolve the name first",
  },
  ...(
    [
      ['path prefix', { pathPrefix: '/api/' }, '`PATH STARTS_WITH`'],
      ['header', { header: { name: 'X-Env', value: 'beta' } }, '`HEADER EQUAL_TO` with `key`'],
      ['host name', { hostName: 'api.example.org' }, '`HOST_NAME EQUAL_TO`'],
      ['wildcard host name', { hostName: '*.example.org' }, '`HOST_NAME ENDS_WITH .example.org`'],
      ['websocket upgrade', { websocket: true }, '`HEADER Upgrade EQUAL_TO websocket`'],
    ] as const
  ).map(([what, condition, writes]): FeatureRow => ({
    area: 'L7',
    feature: `rule by ${what} → pool`,
    api: '2.0',
    writes: `\`REDIRECT_TO_POOL\` policy + ${writes}`,
    build: (f) => {
      const { web, api } = l7(f);
      f.lb.addListener('main', { port: 80, defaultPool: web, rules: [{ pool: api, ...condition }] });
    },
    check: (json) => expectEqual(one(json, 'openstack_lb_l7policy_v2').action, 'REDIRECT_TO_POOL', 'action'),
    amphora: ACCEPTED,
    ovn: OVN_NO_L7,
  })),
];

function algorithmCall(kind: string): string {
  return `${kind.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())}()`;
}

/** The Markdown table of docs/octavia.md, rendered from the rows. */
export function renderFeatureTable(rows: readonly FeatureRow[]): string {
  const cell = (outcome: string) =>
    outcome === ACCEPTED ? 'accepted' : `**rejected**: ${outcome.replace(/\|/g, '\\|')}`;
  const lines = [
    '| Area | Feature | Octavia API | Writes | amphora | ovn |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) => `| ${r.area} | ${r.feature} | ${r.api} | ${r.writes} | ${cell(r.amphora)} | ${cell(r.ovn)} |`,
    ),
  ];
  return lines.join('\n');
}
