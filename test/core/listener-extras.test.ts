import { TerraformStack, Testing } from '../../lib/core/cdk';
import { HAPROXY_CAPABILITIES, NGINX_CAPABILITIES } from '../../lib/core';
import { Network } from '../../lib/openstack/network';
import { OctaviaBalancer } from '../../lib/openstack/octavia';
import { NoopBalancer } from '../../lib/testing';
import { expectRejected } from '../support/assert';

/** Listener options only some backends render: cache, serverNames, requestHeaders, rateLimitBurst. */
function lb(capabilities = NGINX_CAPABILITIES) {
  const balancer = new NoopBalancer(new TerraformStack(Testing.app(), 'x'), 'Lb', { capabilities });
  return { balancer, pool: balancer.addPool('web', { port: 80 }) };
}

describe('listener extras', () => {
  it('GIVEN nginx THEN cache, serverNames, requestHeaders and a burst are accepted and recorded', () => {
    const { balancer, pool } = lb();
    const listener = balancer.addListener('http', {
      port: 80,
      defaultPool: pool,
      cache: { maxSizeMb: 512, validSeconds: 60 },
      serverNames: ['nsboot.example.com'],
      requestHeaders: { 'X-Site': 'nsboot' },
      rateLimitPerSecond: 20,
      rateLimitBurst: 40,
    });
    expect(listener.options.cache).toEqual({ maxSizeMb: 512, validSeconds: 60 });
  });

  it('GIVEN HAProxy WHEN a cache is asked for THEN the error names nginx', () => {
    const { balancer, pool } = lb(HAPROXY_CAPABILITIES);
    expectRejected(
      () => balancer.addListener('http', { port: 80, defaultPool: pool, cache: {} }),
      `x/Lb listener 'http': listener option (HAProxy) "cache" is not allowed; allowed: requestHeaders. Fix: HAProxy has no disk cache in webfarm; use NginxBalancer for a response cache`,
    );
    expect(balancer.listeners).toHaveLength(0);
  });

  it('GIVEN Octavia WHEN requestHeaders are asked for THEN it refuses them', () => {
    const stack = new TerraformStack(Testing.app(), 'o');
    const octavia = new OctaviaBalancer(stack, 'Lb', {
      network: new Network(stack, 'N', { cidr: '10.0.0.0/24' }),
    });
    const pool = octavia.addPool('web', { port: 80 });
    expect(() =>
      octavia.addListener('http', { port: 80, defaultPool: pool, requestHeaders: { 'X-A': 'b' } }),
    ).toThrow(
      /listener option \(Octavia \(amphora driver\)\) "requestHeaders" is not allowed; allowed: none/,
    );
  });

  it('WHEN a burst comes without a rate THEN the fix says to give the rate', () => {
    const { balancer, pool } = lb();
    expectRejected(
      () => balancer.addListener('http', { port: 80, defaultPool: pool, rateLimitBurst: 10 }),
      `x/Lb listener 'http': rateLimitBurst 10 is not allowed; allowed: a burst together with rateLimitPerSecond. Fix: give rateLimitPerSecond too, or leave rateLimitBurst out`,
    );
  });

  it('WHEN a cache size or header name is bad THEN one ValidationError each', () => {
    const { balancer, pool } = lb();
    expect(() => balancer.addListener('a', { port: 80, defaultPool: pool, cache: { maxSizeMb: 0 } })).toThrow(
      /cache.maxSizeMb 0 is not allowed/,
    );
    expect(() =>
      balancer.addListener('b', { port: 81, defaultPool: pool, requestHeaders: { 'bad name': 'x' } }),
    ).toThrow(/requestHeaders name "bad name" is not allowed/);
    expect(() => balancer.addListener('c', { port: 82, defaultPool: pool, serverNames: [] })).toThrow(
      /serverNames \[\] is not allowed/,
    );
  });
});
