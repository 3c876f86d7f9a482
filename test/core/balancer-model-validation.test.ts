import { TerraformStack, Testing } from '../../lib/core/cdk';
import { Stickiness } from '../../lib/core';
import { NoopBalancer } from '../../lib/testing';

/**
 * The checks every balancer shares (BalancerModel, BalancerPool, the balancing vocabulary), each
 * named after the failure and asserting its whole message. NoopBalancer enforces no backend
 * limit, so what fails here fails on every engine.
 */
function balancer() {
  const stack = new TerraformStack(Testing.app(), 'noop');
  const lb = new NoopBalancer(stack, 'Balancer');
  return { lb, web: lb.addPool('web', { port: 8080 }) };
}

const files = { kind: 'files', certificatePath: '/etc/ssl/site.crt', keyPath: '/etc/ssl/site.key' } as const;

describe('BalancerModel validation', () => {
  it('fails on cookie stickiness on a tcp pool', () => {
    const { lb } = balancer();
    expect(() =>
      lb.addPool('raw', { port: 5432, protocol: 'tcp', stickiness: Stickiness.insertCookie() }),
    ).toThrow(
      `noop/Balancer pool 'raw': cookie stickiness on a layer-4 pool "insert-cookie(SERVERID) with protocol tcp" is not allowed; allowed: Stickiness.sourceIp() for tcp/udp pools; cookie stickiness needs protocol "http". Fix: use Stickiness.sourceIp() or make the pool speak HTTP`,
    );
  });

  it('accepts source-ip stickiness on a udp pool (the layer-4 check is not a blanket ban)', () => {
    const { lb } = balancer();
    expect(lb.addPool('dns', { port: 53, protocol: 'udp', stickiness: Stickiness.sourceIp() }).name).toBe(
      'dns',
    );
  });

  it('fails on a routing rule on a tcp listener', () => {
    const { lb, web } = balancer();
    expect(() =>
      lb.addListener('raw', {
        port: 443,
        protocol: 'tcp',
        defaultPool: web,
        rules: [{ pool: web, pathPrefix: '/' }],
      }),
    ).toThrow(
      `noop/Balancer listener 'raw' rule 1: routing rule on a layer-4 listener "tcp" is not allowed; allowed: routing rules on http or https (terminated) listeners. Fix: make the listener speak HTTP, or route by port with separate listeners`,
    );
  });

  it('fails on a routing rule on a TLS passthrough listener', () => {
    const { lb, web } = balancer();
    expect(() =>
      lb.addListener('tls', {
        port: 443,
        protocol: 'https',
        tls: { mode: 'passthrough' },
        defaultPool: web,
        rules: [{ pool: web, hostName: 'api.example.org' }],
      }),
    ).toThrow(
      `noop/Balancer listener 'tls' rule 1: routing rule on a layer-4 listener "https" is not allowed; allowed: routing rules on http or https (terminated) listeners.`,
    );
  });

  it('fails on a pathPrefix that is not an absolute URL path', () => {
    const { lb, web } = balancer();
    for (const bad of ['api/', '/a b', '/x?y', '/{x}']) {
      expect(() =>
        lb.addListener('http', { port: 80, defaultPool: web, rules: [{ pool: web, pathPrefix: bad }] }),
      ).toThrow(
        `noop/Balancer listener 'http' rule 1: pathPrefix ${JSON.stringify(bad)} is not allowed; allowed: an absolute URL path such as "/api/" (no spaces, quotes, braces or "?"). Fix: start with "/" and percent-encode other characters`,
      );
    }
    expect(
      lb.addListener('http', { port: 80, defaultPool: web, rules: [{ pool: web, pathPrefix: '/api/v1/' }] })
        .name,
    ).toBe('http');
  });

  it('fails on a hostName with a scheme, port or path', () => {
    const { lb, web } = balancer();
    for (const bad of [
      'https://api.example.org',
      'api.example.org:443',
      'api.example.org/x',
      '-api.example.org',
    ]) {
      expect(() =>
        lb.addListener('http', { port: 80, defaultPool: web, rules: [{ pool: web, hostName: bad }] }),
      ).toThrow(
        `noop/Balancer listener 'http' rule 1: hostName ${JSON.stringify(bad)} is not allowed; allowed: a DNS name such as "api.example.org" or "*.example.org". Fix: give the host name without scheme, port or path`,
      );
    }
    expect(
      lb.addListener('http', {
        port: 80,
        defaultPool: web,
        rules: [{ pool: web, hostName: '*.example.org' }],
      }).name,
    ).toBe('http');
  });

  it('fails on an empty allowedCidrs (which would open to no one, or be read as everyone)', () => {
    const { lb, web } = balancer();
    expect(() => lb.addListener('http', { port: 80, defaultPool: web, allowedCidrs: [] })).toThrow(
      `noop/Balancer listener 'http': allowedCidrs [] is not allowed; allowed: a non-empty list of CIDR blocks, or leave it out (private networks only). Fix: list who may connect, e.g. ["0.0.0.0/0"] for the internet`,
    );
  });

  it('fails on TLS passthrough on an http listener', () => {
    const { lb, web } = balancer();
    expect(() =>
      lb.addListener('tls', { port: 443, tls: { mode: 'passthrough' }, defaultPool: web }),
    ).toThrow(
      `noop/Balancer listener 'tls': TLS passthrough protocol "http" is not allowed; allowed: "tcp" or "https" (the balancer does not decrypt). Fix: set protocol: "tcp" on a passthrough listener`,
    );
  });

  it('fails on a terminating listener without a certificate', () => {
    const { lb, web } = balancer();
    expect(() => lb.addListener('https', { port: 443, tls: {}, defaultPool: web })).toThrow(
      `noop/Balancer listener 'https': tls.certificate (not set) is not allowed; allowed: a certificate for a terminating listener. Fix: give tls.certificate, e.g. { kind: "files", certificatePath, keyPath }`,
    );
  });

  it('fails on a certificate or key path that is relative or holds a space', () => {
    const { lb, web } = balancer();
    expect(() =>
      lb.addListener('https', {
        port: 443,
        tls: { certificate: { ...files, certificatePath: 'site.crt' } },
        defaultPool: web,
      }),
    ).toThrow(
      `noop/Balancer listener 'https': tls.certificate.certificatePath "site.crt" is not allowed; allowed: an absolute path of letters, digits and ._/@+-. Fix: give where the file is on the balancer host, e.g. /etc/ssl/private/site.pem`,
    );
    expect(() =>
      lb.addListener('https', {
        port: 443,
        tls: { certificate: { ...files, keyPath: '/etc/ssl/my key.pem' } },
        defaultPool: web,
      }),
    ).toThrow(
      `noop/Balancer listener 'https': tls.certificate.keyPath "/etc/ssl/my key.pem" is not allowed; allowed: an absolute path of letters, digits and ._/@+-.`,
    );
  });

  it('fails on a terminating listener that says protocol http', () => {
    const { lb, web } = balancer();
    expect(() =>
      lb.addListener('https', { port: 443, protocol: 'http', tls: { certificate: files }, defaultPool: web }),
    ).toThrow(
      `noop/Balancer listener 'https': protocol of a TLS-terminating listener "http" is not allowed; allowed: "https". Fix: leave protocol out (https is implied) or use tls.mode "passthrough" with protocol "tcp"`,
    );
    expect(
      lb.addListener('https', { port: 443, tls: { certificate: files }, defaultPool: web }).protocol,
    ).toBe('https');
  });

  it('fails on an HTTP→HTTPS redirect port of 0', () => {
    const { lb, web } = balancer();
    expect(() =>
      lb.addListener('https', {
        port: 443,
        tls: { certificate: files, redirectFromPort: 0 },
        defaultPool: web,
      }),
    ).toThrow(
      `noop/Balancer listener 'https': tls.redirectFromPort 0 is not allowed; allowed: an integer from 1 to 65535.`,
    );
  });
});

describe('BalancerPool node validation', () => {
  it('fails on a node name with a space', () => {
    const { web } = balancer();
    expect(() => web.addNodes([{ name: 'web 1', host: '10.0.0.5', port: 8080 }])).toThrow(
      `noop/Balancer pool 'web': node name "web 1" is not allowed; allowed: letters, digits, ".", "_" and "-", at most 63 characters. Fix: name nodes like "web-1"`,
    );
    expect(web.nodes).toEqual([]);
  });

  it('fails on a node name of 64 characters', () => {
    const { web } = balancer();
    const name = `w${'x'.repeat(63)}`;
    expect(() => web.addNodes([{ name, host: '10.0.0.5', port: 8080 }])).toThrow(
      `noop/Balancer pool 'web': node name "${name}" is not allowed; allowed: letters, digits, ".", "_" and "-", at most 63 characters.`,
    );
    web.addNodes([{ name: name.slice(0, 63), host: '10.0.0.5', port: 8080 }]);
    expect(web.nodes.map((n) => n.name)).toEqual([name.slice(0, 63)]);
  });
});

describe('Health check and stickiness validation', () => {
  it('fails on expected codes with spaces or out of range', () => {
    const { lb } = balancer();
    for (const bad of ['200, 204', '600', '2xx', '200-']) {
      expect(() => lb.addPool('api', { port: 80, healthCheck: { active: { expectedCodes: bad } } })).toThrow(
        `noop/Balancer pool 'api': healthCheck.active.expectedCodes ${JSON.stringify(bad)} is not allowed; allowed: a status code (100–599), a range low-high with low ≤ high, or a comma list: "200", "200-399", "200,204". Fix: write the codes without spaces, each range from the lower code to the higher`,
      );
    }
    expect(
      lb.addPool('api', { port: 80, healthCheck: { active: { expectedCodes: '200-399,418' } } }).name,
    ).toBe('api');
  });

  it('fails on a check interval of 0 seconds', () => {
    const { lb } = balancer();
    expect(() => lb.addPool('api', { port: 80, healthCheck: { active: { intervalSeconds: 0 } } })).toThrow(
      `noop/Balancer pool 'api': healthCheck.active.intervalSeconds 0 is not allowed; allowed: a number of seconds from 0.001 (1 ms) to 3600. Fix: give the duration in seconds, e.g. 3 or 0.5`,
    );
  });

  it('fails on a passive fail timeout over an hour, or not a number', () => {
    const { lb } = balancer();
    expect(() =>
      lb.addPool('api', { port: 80, healthCheck: { passive: { failTimeoutSeconds: 3601 } } }),
    ).toThrow(
      `noop/Balancer pool 'api': healthCheck.passive.failTimeoutSeconds 3601 is not allowed; allowed: a number of seconds from 0.001 (1 ms) to 3600.`,
    );
    expect(() =>
      lb.addPool('api', { port: 80, healthCheck: { passive: { failTimeoutSeconds: Number.NaN } } }),
    ).toThrow(`noop/Balancer pool 'api': healthCheck.passive.failTimeoutSeconds NaN is not allowed;`);
  });

  it('fails on a cookie max age of 0 or more than a year, naming the pool', () => {
    const { lb } = balancer();
    expect(() =>
      lb.addPool('api', { port: 80, stickiness: Stickiness.insertCookie('SERVERID', { maxAgeSeconds: 0 }) }),
    ).toThrow(
      "noop/Balancer pool 'api': stickiness maxAgeSeconds 0 is not allowed; allowed: an integer from 1 to 31536000. Fix: give whole seconds (cookie Max-Age is an integer), e.g. 3600",
    );
    expect(() =>
      lb.addPool('api', {
        port: 80,
        stickiness: Stickiness.insertCookie('SERVERID', { maxAgeSeconds: 31536001 }),
      }),
    ).toThrow("noop/Balancer pool 'api': stickiness maxAgeSeconds 31536001 is not allowed;");
    expect(String(Stickiness.insertCookie('SID', { maxAgeSeconds: 31536000 }))).toBe('insert-cookie(SID)');
  });
});
