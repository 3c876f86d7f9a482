import { TerraformStack, Testing } from '../../lib/core/cdk';
import { Algorithm, NGINX_CAPABILITIES, Stickiness, ValidationError } from '../../lib/core';
import { NoopBalancer } from '../../lib/testing';

function balancer(props = {}) {
  const stack = new TerraformStack(Testing.app(), 'noop');
  return { stack, lb: new NoopBalancer(stack, 'Balancer', props) };
}

describe('NoopBalancer', () => {
  it('records pools and nodes as host:port, idempotently', () => {
    const { lb } = balancer();
    lb.addPool('web', { port: 8080 });
    lb.addNodes('web', ['10.0.0.5:8080', '10.0.0.6:8080']);
    lb.addNodes('web', ['10.0.0.5:8080']);
    expect(lb.getNodes('web')).toEqual(['10.0.0.5:8080', '10.0.0.6:8080']);
    lb.removeNodes('web', ['10.0.0.5:8080', '10.0.0.9:8080']);
    lb.removeNodes('web', ['10.0.0.5:8080']);
    expect(lb.getNodes('web')).toEqual(['10.0.0.6:8080']);
  });

  it('accepts IPv6 and DNS nodes', () => {
    const { lb } = balancer();
    lb.addPool('api', { port: 80 });
    lb.addNodes('api', ['[2001:db8::5]:80', 'app-1.internal:80']);
    expect(lb.getNodes('api')).toEqual(['[2001:db8::5]:80', 'app-1.internal:80']);
    expect(lb.pools[0].nodes.map((n) => n.name)).toEqual(['2001-db8-5-80', 'app-1-internal-80']);
  });

  it('keeps pools apart', () => {
    const { lb } = balancer();
    lb.addPool('a', { port: 80 });
    lb.addPool('b', { port: 81 });
    lb.addNodes('a', ['h1:80']);
    expect(lb.getNodes('b')).toEqual([]);
  });

  it('creates no resources', () => {
    const { stack, lb } = balancer();
    const pool = lb.addPool('web', { port: 80 });
    lb.addListener('http', { port: 80, defaultPool: pool });
    const json = JSON.parse(Testing.synth(stack));
    expect(json.resource).toBeUndefined();
  });

  it('answers [] for an unknown pool (the seed contract)', () => {
    const { lb } = balancer();
    lb.addPool('web', { port: 80 });
    expect(lb.getNodes('api')).toEqual([]);
  });

  it('fails on a malformed node', () => {
    const { lb } = balancer();
    lb.addPool('web', { port: 80 });
    expect(() => lb.addNodes('web', ['10.0.0.5'])).toThrow(
      /node "10.0.0.5" is not allowed; allowed: "host:port"/,
    );
    expect(() => lb.addNodes('web', ['10.0.0.5:0'])).toThrow(/port of node "10.0.0.5:0" 0 is not allowed/);
  });

  it('fails on a duplicate pool id', () => {
    const { lb } = balancer();
    lb.addPool('web', { port: 80 });
    expect(() => lb.addPool('web', { port: 81 })).toThrow(
      /pool id "web" is not allowed; allowed: a name not yet used/,
    );
  });

  it('fails on two listeners on one port', () => {
    const { lb } = balancer();
    const pool = lb.addPool('web', { port: 80 });
    lb.addListener('a', { port: 80, defaultPool: pool });
    expect(() => lb.addListener('b', { port: 80, defaultPool: pool })).toThrow(
      /listener 'b': port 80 is not allowed; allowed: a port no other listener of this balancer uses/,
    );
  });

  it('enforces the capabilities it is given (nginx: no cookie insertion)', () => {
    const { lb } = balancer({ capabilities: NGINX_CAPABILITIES });
    expect(() => lb.addPool('web', { port: 80, stickiness: Stickiness.insertCookie() })).toThrow(
      ValidationError,
    );
    expect(() => lb.addPool('web', { port: 80, stickiness: Stickiness.insertCookie() })).toThrow(
      /stickiness \(nginx\) "insert-cookie" is not allowed; allowed: source-ip. Fix: open-source nginx has no cookie-insert stickiness.*HaproxyBalancer/,
    );
    expect(() => lb.addPool('api', { port: 80, healthCheck: { active: { path: '/health' } } })).toThrow(
      /no active health checks.*HaproxyBalancer or OctaviaBalancer/,
    );
  });

  it('rejects stickiness on a hash pool', () => {
    const { lb } = balancer();
    expect(() =>
      lb.addPool('web', {
        port: 80,
        algorithm: Algorithm.hashHeader('machineid'),
        stickiness: Stickiness.insertCookie(),
      }),
    ).toThrow(
      /stickiness with a hashing algorithm "insert-cookie\(SERVERID\) with hash-header\(machineid\)" is not allowed/,
    );
  });

  it('rejects a rule with no condition and a pool of another balancer', () => {
    const { lb } = balancer();
    const web = lb.addPool('web', { port: 80 });
    const other = balancer().lb.addPool('web', { port: 80 });
    expect(() => lb.addListener('http', { port: 80, defaultPool: web, rules: [{ pool: web }] })).toThrow(
      /rule 1: rule condition "\(none\)" is not allowed/,
    );
    expect(() => lb.addListener('http', { port: 80, defaultPool: other })).toThrow(
      /defaultPool "web" is not allowed; allowed: a pool of this balancer/,
    );
  });

  it('rejects https without tls and a bad header name', () => {
    const { lb } = balancer();
    const web = lb.addPool('web', { port: 80 });
    expect(() => lb.addListener('https', { port: 443, protocol: 'https', defaultPool: web })).toThrow(
      /protocol "https" is not allowed; allowed: https together with a `tls` block/,
    );
    expect(() => lb.addPool('api', { port: 80, algorithm: Algorithm.hashHeader('machine id') })).toThrow(
      /pool 'api': header name of the algorithm "machine id" is not allowed; allowed: an HTTP token/,
    );
  });
});
