import { App, TerraformStack, Testing } from '../../lib/core/cdk';
import { Algorithm, Stickiness } from '../../lib/core/balancing';
import { IBalancer } from '../../lib/core/balancer';
import { DockerHaproxyBalancer, DockerNetwork, DockerNginxBalancer } from '../../lib/docker';
import { HaproxyBalancer } from '../../lib/openstack/haproxy-balancer';
import { Network } from '../../lib/openstack/network';
import { NginxBalancer } from '../../lib/openstack/nginx-balancer';
import { SUBNET, baseProps } from '../e2e/balancer-fixture';
import { rejectionOf } from '../support/assert';

// Rules only the daemon's renderer knows (the core model lets them through): the mistake must
// still reach the user as one ValidationError that names the construct it was made on.

type Kind = 'nginx' | 'haproxy' | 'docker-nginx' | 'docker-haproxy';

function balancer(kind: Kind): IBalancer {
  const stack = new TerraformStack(new App(), 'shop');
  if (kind === 'docker-nginx' || kind === 'docker-haproxy') {
    const network = new DockerNetwork(stack, 'Net');
    return kind === 'docker-nginx'
      ? new DockerNginxBalancer(stack, 'Front', { network })
      : new DockerHaproxyBalancer(stack, 'Front', { network });
  }
  const network = new Network(stack, 'Network', { cidr: SUBNET });
  return kind === 'nginx'
    ? new NginxBalancer(stack, 'Front', baseProps(network))
    : new HaproxyBalancer(stack, 'Front', baseProps(network));
}

describe('renderer-only rules name the construct path', () => {
  it.each(['nginx', 'docker-nginx'] as const)(
    'GIVEN %s WHEN a pool hashes a header with "_" (nginx drops such headers) THEN the error names the balancer and the pool',
    (kind) => {
      const lb = balancer(kind);
      const e = rejectionOf(() =>
        lb.addPool('web', { port: 8080, algorithm: Algorithm.hashHeader('machine_id') }),
      );
      expect(e.path).toBe("shop/Front nginx pool 'web'");
      expect(e.message).toBe(
        'shop/Front nginx pool \'web\': hash header name "machine_id" is not allowed; allowed: letters, digits and "-" (nginx names the header as $http_<name>, and drops headers with "_"). Fix: rename the header, or use HaproxyBalancer, which hashes any header name',
      );
      expect(lb.pools).toEqual([]);
    },
  );

  it('GIVEN nginx WHEN source-ip stickiness is combined with least connections THEN the error names the balancer and the pool', () => {
    const lb = balancer('nginx');
    const e = rejectionOf(() =>
      lb.addPool('web', {
        port: 8080,
        algorithm: Algorithm.leastConnections(),
        stickiness: Stickiness.sourceIp(),
      }),
    );
    expect(e.path).toBe("shop/Front nginx pool 'web'");
    expect(e.what).toBe('stickiness with this algorithm (nginx)');
  });

  it('GIVEN nginx WHEN a backup node joins a hashing pool later THEN the error names the balancer and the pool', () => {
    const lb = balancer('nginx');
    const web = lb.addPool('web', { port: 8080, algorithm: Algorithm.sourceIp() });
    lb.addListener('http', { port: 80, defaultPool: web });
    web.addNodes([{ name: 'spare', host: '10.0.0.50', port: 8080, backup: true }]);
    const e = rejectionOf(() => Testing.synth(lb.node.scope as TerraformStack));
    expect(e.path).toBe("shop/Front nginx pool 'web'");
    expect(e.what).toBe("backup node 'spare'");
  });

  it('GIVEN nginx WHEN a rule tests a header with "_" THEN the error names the balancer, the listener and the rule', () => {
    const lb = balancer('nginx');
    const web = lb.addPool('web', { port: 8080 });
    const e = rejectionOf(() =>
      lb.addListener('http', {
        port: 80,
        defaultPool: web,
        rules: [{ pool: web, header: { name: 'x_id' } }],
      }),
    );
    expect(e.path).toBe("shop/Front nginx listener 'http' rule 1");
    expect(lb.listeners).toEqual([]);
  });

  it.each(['haproxy', 'docker-haproxy'] as const)(
    'GIVEN %s WHEN a pool hashes a header HAProxy cannot name in a sample fetch THEN the error names the balancer and the pool',
    (kind) => {
      const lb = balancer(kind);
      const e = rejectionOf(() => lb.addPool('web', { port: 8080, algorithm: Algorithm.hashHeader('X!Id') }));
      expect(e.path).toBe("shop/Front haproxy pool 'web'");
      expect(e.message).toBe(
        'shop/Front haproxy pool \'web\': hash header name "X!Id" is not allowed; allowed: letters, digits, "_", "." and "-". Fix: rename it; other characters cannot be written inside an HAProxy sample fetch',
      );
      expect(lb.pools).toEqual([]);
    },
  );

  it('GIVEN haproxy WHEN a sticky cookie name has a character HAProxy cannot write THEN the error names the balancer and the pool', () => {
    const lb = balancer('haproxy');
    const e = rejectionOf(() =>
      lb.addPool('web', { port: 8080, stickiness: Stickiness.insertCookie('id!x') }),
    );
    expect(e.path).toBe("shop/Front haproxy pool 'web'");
    expect(e.what).toBe('stickiness cookie name');
  });

  it('GIVEN haproxy WHEN a rule matches a header with "*" in its name THEN the error names the balancer, the listener and the rule', () => {
    const lb = balancer('haproxy');
    const web = lb.addPool('web', { port: 8080 });
    const e = rejectionOf(() =>
      lb.addListener('http', {
        port: 80,
        defaultPool: web,
        rules: [{ pool: web, header: { name: 'X*Id' } }],
      }),
    );
    expect(e.path).toMatch(/^shop\/Front haproxy listener 'http' rule 1/);
    expect(lb.listeners).toEqual([]);
  });
});
