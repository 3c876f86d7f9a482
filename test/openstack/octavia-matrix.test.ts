import * as fs from 'fs';
import * as path from 'path';
import { Testing } from '../../lib/core/cdk';
import { Algorithm } from '../../lib/core';
import {
  DEFAULT_OCTAVIA_API_VERSION,
  OCTAVIA_API_FEATURES,
  OctaviaBalancerProps,
  OctaviaDriver,
} from '../../lib/openstack';
import { resourcesOf, tfcheckProblems } from '../support/synth';
import { ROOT } from '../support/tools';
import { ACCEPTED, FEATURE_ROWS, Fixture, fixture, renderFeatureTable, runRow } from './octavia-features';

const BARBICAN = {
  kind: 'barbican' as const,
  containerRef: 'https://barbican.example.org/v1/containers/0b6a',
};

describe('Octavia features × drivers (the table of docs/octavia.md)', () => {
  for (const row of FEATURE_ROWS) {
    const label = (o: string) => (o === ACCEPTED ? 'accepted' : 'rejected');
    it(`${row.area}: ${row.feature} — amphora ${label(row.amphora)}, ovn ${label(row.ovn)}`, () => {
      for (const driver of ['amphora', 'ovn'] as const) {
        // GIVEN a balancer of this driver at the newest API version WHEN the feature is used
        const { outcome, json } = runRow(row, driver);
        // THEN the outcome is the row's, and an accepted stack writes it and is schema-clean
        expect(`${driver}: ${outcome}`).toBe(`${driver}: ${row[driver]}`);
        if (json) {
          row.check(json);
          expect(tfcheckProblems(json)).toBe('');
        }
      }
    });
  }

  it('rejects at least 15 driver/feature combinations, each with its own message', () => {
    const rejected = FEATURE_ROWS.flatMap((r) => [r.amphora, r.ovn]).filter((o) => o !== ACCEPTED);
    expect(rejected.length).toBeGreaterThanOrEqual(15);
    expect(rejected.every((m) => / is not allowed; allowed: .+\. Fix: .+/.test(m))).toBe(true);
  });

  it('docs/octavia.md shows exactly this table', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'octavia.md'), 'utf8');
    const m = /<!-- feature-table:start -->\n([\s\S]*?)\n<!-- feature-table:end -->/.exec(doc);
    expect(m).not.toBeNull();
    expect(m?.[1]).toBe(renderFeatureTable(FEATURE_ROWS));
  });
});

/** Builds on a balancer of `driver` at `apiVersion`; returns the ValidationError message or 'accepted'. */
function attempt(
  apiVersion: string,
  build: (f: Fixture) => void,
  props: Partial<OctaviaBalancerProps> = {},
  driver: OctaviaDriver = 'amphora',
): string {
  try {
    const f = fixture(Testing.app(), driver, props, apiVersion);
    build(f);
    Testing.synth(f.stack, true);
    return ACCEPTED;
  } catch (e) {
    return (e as Error).message;
  }
}

function tcp(f: Fixture, pool: Parameters<Fixture['lb']['addPool']>[1] = { port: 8080, protocol: 'tcp' }) {
  const web = f.lb.addPool('web', pool);
  f.lb.addListener('main', { port: 80, protocol: 'tcp', defaultPool: web });
  return web;
}

function terminated(f: Fixture, extra: Record<string, unknown>, tls: Record<string, unknown> = {}) {
  const web = f.lb.addPool('web', { port: 8080 });
  f.lb.addListener('main', { port: 443, tls: { certificate: BARBICAN, ...tls }, defaultPool: web, ...extra });
}

describe('Octavia API microversions', () => {
  it('defaults to 2.13 and knows when each feature arrived', () => {
    expect(DEFAULT_OCTAVIA_API_VERSION).toBe('2.13');
    expect(OCTAVIA_API_FEATURES).toMatchObject({
      allowed_cidrs: '2.12',
      SOURCE_IP_PORT: '2.13',
      'availability zones': '2.14',
      'TLS ciphers': '2.15',
      'TLS versions': '2.17',
      'PROXYV2 pools': '2.22',
      'PROMETHEUS listeners': '2.25',
      HSTS: '2.27',
    });
  });

  it('fails on availability zones before 2.14 (the default 2.13)', () => {
    expect(attempt(DEFAULT_OCTAVIA_API_VERSION, tcp, { availabilityZone: 'az-1' })).toBe(
      'octavia/Lb: availability zones (Octavia API 2.14) "apiVersion 2.13" is not allowed; allowed: apiVersion 2.14 or later. Fix: if `openstack versions show --service load-balancer` shows 2.14 or later for your cloud, set apiVersion to it; otherwise drop availabilityZone',
    );
    expect(attempt('2.14', tcp, { availabilityZone: 'az-1' })).toBe(ACCEPTED);
  });

  it('fails on TLS ciphers before 2.15', () => {
    expect(attempt('2.14', (f) => terminated(f, { tlsCiphers: 'ECDHE-RSA-AES256-GCM-SHA384' }))).toBe(
      'octavia/Lb listener \'main\': TLS ciphers (Octavia API 2.15) "apiVersion 2.14" is not allowed; allowed: apiVersion 2.15 or later. Fix: if `openstack versions show --service load-balancer` shows 2.15 or later for your cloud, set apiVersion to it; otherwise drop tlsCiphers',
    );
    expect(attempt('2.15', (f) => terminated(f, { tlsCiphers: 'ECDHE-RSA-AES256-GCM-SHA384' }))).toBe(
      ACCEPTED,
    );
  });

  it('fails on TLS versions before 2.17', () => {
    expect(attempt('2.16', (f) => terminated(f, {}, { versions: ['TLSv1.3'] }))).toMatch(
      /^octavia\/Lb listener 'main': TLS versions \(Octavia API 2\.17\) "apiVersion 2\.16" is not allowed; .*otherwise drop tls\.versions$/,
    );
    expect(attempt('2.17', (f) => terminated(f, {}, { versions: ['TLSv1.3'] }))).toBe(ACCEPTED);
  });

  it('fails on PROXYV2 pools before 2.22', () => {
    const build = (f: Fixture) => tcp(f, { port: 8080, protocol: 'tcp', proxyProtocol: 'v2' });
    expect(attempt('2.21', build)).toMatch(
      /^octavia\/Lb pool 'web': PROXYV2 pools \(Octavia API 2\.22\) "apiVersion 2\.21" is not allowed; .*otherwise use proxyProtocol "v1"$/,
    );
    expect(attempt('2.22', build)).toBe(ACCEPTED);
  });

  it('fails on PROMETHEUS listeners before 2.25', () => {
    const build = (f: Fixture) => f.lb.addMetricsListener('metrics', { port: 9100 });
    expect(attempt('2.24', build)).toMatch(
      /^octavia\/Lb listener 'metrics': PROMETHEUS listeners \(Octavia API 2\.25\) "apiVersion 2\.24" is not allowed/,
    );
    expect(attempt('2.25', build)).toBe(ACCEPTED);
  });

  it('fails on HSTS before 2.27', () => {
    const build = (f: Fixture) => terminated(f, {}, { hstsMaxAgeSeconds: 31536000 });
    expect(attempt('2.26', build)).toMatch(
      /^octavia\/Lb listener 'main': HSTS \(Octavia API 2\.27\) "apiVersion 2\.26" is not allowed; .*otherwise drop tls\.hstsMaxAgeSeconds$/,
    );
    expect(attempt('2.27', build)).toBe(ACCEPTED);
  });

  it('fails on a private listener before 2.12 (no allowed_cidrs: the amphora would accept anyone)', () => {
    expect(attempt('2.11', tcp)).toBe(
      'octavia/Lb listener \'main\': allowed_cidrs (Octavia API 2.12) "apiVersion 2.11" is not allowed; allowed: apiVersion 2.12 or later. Fix: if `openstack versions show --service load-balancer` shows 2.12 or later for your cloud, set apiVersion to it; otherwise the amphora would accept anyone who can reach the VIP: say allowedCidrs: ["0.0.0.0/0"] to accept that',
    );
    // WHEN the listener is public by name THEN 2.11 is fine and no allowed_cidrs is written
    const f = fixture(Testing.app(), 'amphora', {}, '2.11');
    const web = f.lb.addPool('web', { port: 8080, protocol: 'tcp' });
    f.lb.addListener('main', { port: 80, protocol: 'tcp', defaultPool: web, allowedCidrs: ['0.0.0.0/0'] });
    const json = JSON.parse(Testing.synth(f.stack, true));
    expect(Object.values(resourcesOf(json, 'openstack_lb_listener_v2'))[0].allowed_cidrs).toBeUndefined();
  });

  it('fails on the ovn driver before 2.13 (its only algorithm, SOURCE_IP_PORT)', () => {
    expect(attempt('2.12', tcp, {}, 'ovn')).toMatch(
      /^octavia\/Lb: SOURCE_IP_PORT \(Octavia API 2\.13\) "apiVersion 2\.12" is not allowed; .*otherwise use driver "amphora"/,
    );
  });

  it('fails on flavors before 2.6', () => {
    expect(attempt('2.5', tcp, { flavorId: 'ha' })).toMatch(
      /^octavia\/Lb: load balancer flavors \(Octavia API 2\.6\) "apiVersion 2\.5" is not allowed/,
    );
  });

  it('fails on an HTTP monitor of a UDP pool before 2.16', () => {
    const build = (f: Fixture) => {
      const dns = f.lb.addPool('dns', {
        port: 53,
        protocol: 'udp',
        healthCheck: { active: { protocol: 'http', path: '/health' } },
      });
      f.lb.addListener('main', { port: 53, protocol: 'udp', defaultPool: dns });
    };
    expect(attempt('2.15', build)).toMatch(
      /^octavia\/Lb pool 'dns': HTTP and TCP monitors on UDP pools \(Octavia API 2\.16\) "apiVersion 2\.15" is not allowed/,
    );
    expect(attempt('2.16', build)).toBe(ACCEPTED);
  });

  it('fails on backup members before 2.1', () => {
    const build = (f: Fixture) =>
      f.lb
        .addPool('web', { port: 8080, protocol: 'tcp' })
        .addNodes([{ name: 'spare', host: '10.0.0.9', port: 8080, backup: true }]);
    expect(attempt('2.0', build)).toMatch(
      /^octavia\/Lb pool 'web': backup members \(Octavia API 2\.1\) "apiVersion 2\.0" is not allowed/,
    );
  });

  it('writes the 301 redirect code from 2.9 only (Octavia redirects with 302 before)', () => {
    const redirectCode = (apiVersion: string) => {
      const f = fixture(Testing.app(), 'amphora', {}, apiVersion);
      terminated(
        f,
        { redirectPrefix: 'https://www.example.org', allowedCidrs: ['0.0.0.0/0'] },
        { redirectFromPort: 80 },
      );
      const json = JSON.parse(Testing.synth(f.stack, true));
      return Object.values(resourcesOf(json, 'openstack_lb_l7policy_v2'))[0].redirect_http_code;
    };
    expect(redirectCode('2.8')).toBeUndefined();
    expect(redirectCode('2.9')).toBe(301);
  });

  it('fails on an apiVersion that is not "2.N"', () => {
    for (const bad of ['v2.13', '2', '3.0', '2.013', 'latest']) {
      expect(attempt(bad, tcp)).toBe(
        `octavia/Lb: apiVersion ${JSON.stringify(bad)} is not allowed; allowed: an Octavia v2 API microversion "2.N", e.g. "2.13" (known up to 2.30). Fix: give the "max_version" that \`openstack versions show --service load-balancer\` prints for your cloud`,
      );
    }
    expect(attempt('2.31', tcp)).toBe(ACCEPTED);
  });

  it('fails on SOURCE_IP_PORT on amphora at any version (a driver limit, not a version)', () => {
    expect(
      attempt('2.30', (f) => tcp(f, { port: 8080, protocol: 'tcp', algorithm: Algorithm.sourceIpPort() })),
    ).toMatch(/algorithm \(Octavia \(amphora driver\)\) "source-ip-port" is not allowed/);
  });
});
