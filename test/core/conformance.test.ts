import { TerraformStack, Testing } from '../../lib/core/cdk';
import {
  Algorithm,
  BalancerBase,
  Connections,
  IBalancer,
  Stickiness,
  ValidationError,
  nodeAddress,
} from '../../lib/core';
import { HaproxyBalancer, Network, NginxBalancer, OctaviaBalancer, WorkerGroup } from '../../lib/openstack';
import { NoopBalancer } from '../../lib/testing';
import { ContainerGroup, DockerHaproxyBalancer, DockerNetwork, DockerNginxBalancer } from '../../lib/docker';

/**
 * One suite over every balancer backend: the same calls give the same answers (`getNodes`, the
 * seed contract, the addresses and connections every backend has), and each capability a
 * backend's table refuses is refused by that backend with one ValidationError, while everything
 * the table allows is accepted.
 */
type Factory = (stack: TerraformStack) => IBalancer;
const openstackNet = (stack: TerraformStack) => new Network(stack, 'Network', { cidr: '10.9.0.0/24' });
const host = {
  image: 'debian-12',
  flavor: 'm1.small',
  ssh: { user: 'debian' },
  adminCidrs: ['198.51.100.0/24'],
};
const dockerNet = (stack: TerraformStack) => new DockerNetwork(stack, 'Network');

const BACKENDS: Array<[string, Factory]> = [
  ['nginx host', (s) => new NginxBalancer(s, 'Lb', { network: openstackNet(s), ...host })],
  ['HAProxy host', (s) => new HaproxyBalancer(s, 'Lb', { network: openstackNet(s), ...host })],
  ['Octavia', (s) => new OctaviaBalancer(s, 'Lb', { network: openstackNet(s) })],
  ['Noop', (s) => new NoopBalancer(s, 'Lb')],
  ['Docker nginx', (s) => new DockerNginxBalancer(s, 'Lb', { network: dockerNet(s) })],
  ['Docker HAProxy', (s) => new DockerHaproxyBalancer(s, 'Lb', { network: dockerNet(s) })],
];

function make(factory: Factory): { stack: TerraformStack; lb: IBalancer } {
  const stack = new TerraformStack(Testing.app(), 'conf');
  return { stack, lb: factory(stack) };
}

/** Runs `fn`; the ValidationError it threw, or undefined. Any other error fails the test. */
function rejection(fn: () => unknown): ValidationError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
}

const ALGORITHMS: Array<[string, () => Algorithm]> = [
  ['round-robin', () => Algorithm.roundRobin()],
  ['least-connections', () => Algorithm.leastConnections()],
  ['source-ip', () => Algorithm.sourceIp()],
  ['source-ip-port', () => Algorithm.sourceIpPort()],
  ['hash-header', () => Algorithm.hashHeader('machineid')],
  ['hash-cookie', () => Algorithm.hashCookie('session')],
  ['hash-uri', () => Algorithm.hashUri()],
  ['random-two', () => Algorithm.randomTwo()],
];
const STICKINESS: Array<[string, () => Stickiness]> = [
  ['insert-cookie', () => Stickiness.insertCookie()],
  ['app-cookie', () => Stickiness.appCookie('JSESSIONID')],
  ['source-ip', () => Stickiness.sourceIp()],
];

describe.each(BACKENDS)('balancer conformance: %s', (_name, factory) => {
  it('is a construct with connections and a private address, and says who it is', () => {
    const { lb } = make(factory);
    expect(lb).toBeInstanceOf(BalancerBase);
    expect(lb.node.path).toBe('conf/Lb');
    expect(lb.connections).toBeInstanceOf(Connections);
    expect(typeof lb.privateAddress).toBe('string');
    expect(lb.privateAddress).not.toBe('');
    expect(['string', 'undefined']).toContain(typeof lb.publicAddress);
  });

  it('registers nodes by host:port, idempotently, in the order added, and answers getNodes alike', () => {
    const { lb } = make(factory);
    const pool = lb.addPool('web', { port: 8080 });
    pool.addNodes(['10.9.0.5:8080', '10.9.0.6:8080']);
    lb.addNodes('web', ['10.9.0.6:8080', '10.9.0.7:8080']);
    expect(lb.getNodes('web')).toEqual(['10.9.0.5:8080', '10.9.0.6:8080', '10.9.0.7:8080']);
    lb.deleteNodes('web', ['10.9.0.5:8080', '10.9.0.99:8080']);
    expect(lb.getNodes('web')).toEqual(['10.9.0.6:8080', '10.9.0.7:8080']);
    expect(lb.pools.map((p) => p.name)).toEqual(['web']);
  });

  it('keeps the seed contract: [] for a missing pool, addNodes creates it, deleteNodes of a missing pool is no error', () => {
    const { lb } = make(factory);
    expect(lb.getNodes('api')).toEqual([]);
    lb.addNodes('api', ['10.9.0.8:9000']);
    expect(lb.pools.map((p) => [p.name, p.port])).toEqual([['api', 9000]]);
    expect(lb.getNodes('api')).toEqual(['10.9.0.8:9000']);
    expect(() => lb.deleteNodes('none', ['10.9.0.8:9000'])).not.toThrow();
  });

  it('registers a target with addTarget, at its node addresses, and records listeners', () => {
    const { stack, lb } = make(factory);
    const docker = lb instanceof DockerNginxBalancer || lb instanceof DockerHaproxyBalancer;
    const workers = docker
      ? new ContainerGroup(stack, 'App', {
          network: stack.node.findChild('Network') as DockerNetwork,
          image: 'python:3.12-slim',
          count: 2,
        })
      : new WorkerGroup(stack, 'App', {
          network: (stack.node.tryFindChild('Network') as Network) ?? openstackNet(stack),
          image: 'debian-12',
          flavor: 'm1.small',
          count: 2,
        });
    const pool = lb.addPool('app', { port: 8080 });
    pool.addTarget(workers);
    expect(pool.nodes.map((n) => n.name)).toEqual(['app-1', 'app-2']);
    expect(lb.getNodes('app')).toEqual(workers.nodes.map((n) => `${n.privateAddress}:8080`));
    const listener = lb.addListener('http', { port: 80, defaultPool: pool, allowedCidrs: ['0.0.0.0/0'] });
    expect(lb.listeners).toEqual([listener]);
    expect(pool.nodes.map(nodeAddress)).toEqual(lb.getNodes('app'));
  });

  it('refuses the same mistakes with the same words: duplicate pool, a port taken twice, a foreign pool', () => {
    const { lb } = make(factory);
    const web = lb.addPool('web', { port: 8080 });
    expect(rejection(() => lb.addPool('web', { port: 8081 }))?.message).toBe(
      'conf/Lb: pool id "web" is not allowed; allowed: a name not yet used (taken: "web"). Fix: choose another name; names are stable keys, so each must be unique',
    );
    lb.addListener('http', { port: 80, defaultPool: web });
    expect(rejection(() => lb.addListener('again', { port: 80, defaultPool: web }))?.what).toBe('port');
    const other = make(factory).lb.addPool('web', { port: 8080 });
    expect(rejection(() => lb.addListener('x', { port: 81, defaultPool: other }))?.what).toBe('defaultPool');
  });

  it.each(ALGORITHMS)(
    'accepts algorithm %s exactly when its capability table lists it',
    (kind, algorithm) => {
      const { lb } = make(factory);
      const error = rejection(() =>
        lb.addPool('p', { port: 8080, protocol: 'http', algorithm: algorithm() }),
      );
      if (lb.capabilities.algorithms.includes(kind as never)) expect(error).toBeUndefined();
      else
        expect(error?.message).toContain(`algorithm (${lb.capabilities.backend}) "${kind}" is not allowed`);
    },
  );

  it.each(STICKINESS)(
    'accepts stickiness %s exactly when its capability table lists it',
    (kind, stickiness) => {
      const { lb } = make(factory);
      const error = rejection(() => lb.addPool('p', { port: 8080, stickiness: stickiness() }));
      if (lb.capabilities.stickiness.includes(kind as never)) expect(error).toBeUndefined();
      else
        expect(error?.message).toContain(`stickiness (${lb.capabilities.backend}) "${kind}" is not allowed`);
    },
  );

  it('accepts active health checks exactly when its capability table says so', () => {
    const { lb } = make(factory);
    const error = rejection(() =>
      lb.addPool('p', { port: 8080, healthCheck: { active: { path: '/health' } } }),
    );
    expect(error === undefined).toBe(lb.capabilities.activeHealthChecks);
  });
});

describe('balancer conformance: the twins', () => {
  it('the Docker balancers accept what their host counterparts accept, except TLS termination and run-time pools', () => {
    const pick = (factory: Factory) => {
      const { capabilities } = make(factory).lb;
      const { tlsTermination, certificateKinds, runtimeManagedPools, advice, ...rest } = capabilities;
      return {
        rest,
        tlsTermination,
        certificateKinds,
        runtimeManagedPools,
        advice: Object.keys(advice).length,
      };
    };
    const [nginx, haproxy, , , dockerNginx, dockerHaproxy] = BACKENDS.map(([, f]) => pick(f));
    expect(dockerNginx.rest).toEqual(nginx.rest);
    expect(dockerHaproxy.rest).toEqual(haproxy.rest);
    for (const docker of [dockerNginx, dockerHaproxy]) {
      expect([docker.tlsTermination, docker.certificateKinds, docker.runtimeManagedPools]).toEqual([
        false,
        [],
        false,
      ]);
    }
  });
});
