import { TerraformStack, Testing } from '../../lib/core/cdk';
import { IBalancer, ValidationError } from '../../lib/core';
import { HaproxyBalancer } from '../../lib/openstack/haproxy-balancer';
import { Network } from '../../lib/openstack/network';
import { NginxBalancer } from '../../lib/openstack/nginx-balancer';
import { OctaviaBalancer } from '../../lib/openstack/octavia';
import { WorkerGroup } from '../../lib/openstack/worker-group';
import { NoopBalancer } from '../../lib/testing';
import { StackJson, resourcesOf, tfcheckProblems } from '../support/synth';
import { baseProps } from '../e2e/balancer-fixture';

/**
 * The seed deployment tool's balancer contract ("Creating New Balancer Backends"): getNodes of
 * a missing pool is [], addNodes creates a missing pool, deleteNodes succeeds for a missing pool
 * or node. The same on every backend.
 */
const BACKENDS: Record<string, (stack: TerraformStack, network: Network) => IBalancer> = {
  noop: (stack) => new NoopBalancer(stack, 'Balancer'),
  nginx: (stack, network) => new NginxBalancer(stack, 'Balancer', baseProps(network)),
  haproxy: (stack, network) => new HaproxyBalancer(stack, 'Balancer', baseProps(network)),
  octavia: (stack, network) => new OctaviaBalancer(stack, 'Balancer', { network }),
};

function build(kind: string) {
  const stack = new TerraformStack(Testing.app(), kind);
  const network = new Network(stack, 'Network', { cidr: '10.20.0.0/24' });
  return { stack, network, lb: BACKENDS[kind](stack, network) };
}

describe.each(Object.keys(BACKENDS))('the balancer contract on %s', (kind) => {
  it('GIVEN no pool WHEN getNodes THEN []', () => {
    const { lb } = build(kind);
    expect(lb.getNodes('swarm')).toEqual([]);
    expect(lb.pools).toHaveLength(0);
  });

  it('GIVEN no pool WHEN addNodes THEN the pool is created on the first node port, with the nodes', () => {
    const { lb } = build(kind);
    lb.addNodes('swarm', ['10.20.0.5:8000', '10.20.0.6:8000']);
    expect(lb.pools.map((p) => [p.name, p.port])).toEqual([['swarm', 8000]]);
    expect(lb.getNodes('swarm')).toEqual(['10.20.0.5:8000', '10.20.0.6:8000']);
    lb.addNodes('swarm', ['10.20.0.6:8000', '10.20.0.7:8000']);
    expect(lb.getNodes('swarm')).toEqual(['10.20.0.5:8000', '10.20.0.6:8000', '10.20.0.7:8000']);
  });

  it('GIVEN no pool WHEN addNodes with options THEN the pool has those options', () => {
    const { lb } = build(kind);
    lb.addNodes('swarm', [], { port: 9000 });
    expect(lb.pools.map((p) => [p.name, p.port, p.nodes.length])).toEqual([['swarm', 9000, 0]]);
  });

  it('WHEN deleteNodes of a missing pool, or of nodes not there THEN it succeeds', () => {
    const { lb } = build(kind);
    expect(() => lb.deleteNodes('nothing', ['10.20.0.5:8000'])).not.toThrow();
    lb.addNodes('swarm', ['10.20.0.5:8000', '10.20.0.6:8000']);
    lb.deleteNodes('swarm', ['10.20.0.5:8000', '10.20.0.9:8000']);
    expect(lb.getNodes('swarm')).toEqual(['10.20.0.6:8000']);
    lb.removeNodes('swarm', ['10.20.0.6:8000']);
    expect(lb.getNodes('swarm')).toEqual([]);
    expect(lb.pools.map((p) => p.name)).toEqual(['swarm']);
  });

  it('GIVEN no pool WHEN addNodes with a malformed node THEN one ValidationError and no pool', () => {
    const { lb } = build(kind);
    expect(() => lb.addNodes('swarm', ['10.20.0.5:8000', '10.20.0.6'])).toThrow(ValidationError);
    expect(() => lb.addNodes('swarm', ['10.20.0.5:8000', '10.20.0.6'])).toThrow(
      `${kind}/Balancer pool 'swarm': node "10.20.0.6" is not allowed; allowed: "host:port"`,
    );
    expect(lb.pools).toHaveLength(0);
  });

  it('GIVEN no pool WHEN addNodes of nothing and no options THEN a ValidationError naming the fix', () => {
    const { lb } = build(kind);
    expect(() => lb.addNodes('swarm', [])).toThrow(
      `${kind}/Balancer pool 'swarm': nodes of a pool that does not exist yet [] is not allowed; allowed: at least one "host:port" node (its port becomes the pool port), or pool options. Fix: give a node, pass options as the third argument (e.g. { port: 8080 }), or addPool first`,
    );
    expect(lb.pools).toHaveLength(0);
  });
});

describe('the balancer contract, in Terraform', () => {
  it('GIVEN several named balancers WHEN addNodes creates pools THEN each backend writes them (and tfcheck is clean)', () => {
    const { stack, network } = build('noop');
    const nginx = new NginxBalancer(stack, 'Nginx', { ...baseProps(network), name: 'nginx-lb' });
    const octavia = new OctaviaBalancer(stack, 'Octavia', { network });
    nginx.addNodes('swarm', ['10.20.0.5:8000']);
    octavia.addNodes('swarm', ['10.20.0.5:8000']);
    const json = JSON.parse(Testing.synth(stack)) as StackJson;
    const pools = Object.values(resourcesOf(json, 'openstack_lb_pool_v2'));
    expect(pools.map((p) => p.name)).toEqual(['noop-octavia-swarm']);
    expect(Object.values(resourcesOf(json, 'openstack_lb_members_v2'))[0].member).toEqual([
      expect.objectContaining({ address: '10.20.0.5', protocol_port: 8000 }),
    ]);
    expect(nginx.configFiles().map((f) => f.path)).toEqual(['/etc/nginx/webfarm/pools/swarm.conf']);
    expect(nginx.configFiles()[0].content).toContain('server 10.20.0.5:8000');
    expect(tfcheckProblems(json)).toBe('');
  });

  it('GIVEN Octavia WHEN addNodes of a missing pool names a host name THEN the member is refused and no pool is made', () => {
    const { lb } = build('octavia');
    expect(() => lb.addNodes('swarm', ['app.internal:8000'])).toThrow(/member address "app.internal"/);
    expect(lb.pools).toHaveLength(0);
  });
});

describe('weights through addTarget', () => {
  function workers(kind: string, count = 3) {
    const built = build(kind);
    const group = new WorkerGroup(built.stack, 'Nsboot', {
      network: built.network,
      name: 'nsboot',
      count,
      image: 'img',
      flavor: 'small',
    });
    return { ...built, group };
  }

  it.each(Object.keys(BACKENDS))('%s: a map by node name weighs each node; others keep weight 1', (kind) => {
    const { lb, group } = workers(kind);
    const pool = lb.addPool('boot', { port: 80 });
    pool.addTarget(group, { weight: { 'nsboot-1': 3, 'nsboot-2': 2 } });
    expect(pool.nodes.map((n) => [n.name, n.weight])).toEqual([
      ['nsboot-1', 3],
      ['nsboot-2', 2],
      ['nsboot-3', undefined],
    ]);
  });

  it('a function of the node, and one number for all', () => {
    const { lb, group } = workers('noop');
    const a = lb.addPool('a', { port: 80 });
    a.addTarget(group, { weight: (node) => (node.name === 'nsboot-3' ? 5 : undefined) });
    expect(a.nodes.map((n) => n.weight)).toEqual([undefined, undefined, 5]);
    const b = lb.addPool('b', { port: 80 });
    b.addTarget(group, { weight: 2 });
    expect(b.nodes.map((n) => n.weight)).toEqual([2, 2, 2]);
  });

  it('nginx renders weight=3/2/1; HAProxy weight 3/2/1; Octavia member weights', () => {
    for (const kind of ['nginx', 'haproxy', 'octavia']) {
      const { stack, lb, group } = workers(kind);
      const pool = lb.addPool('boot', { port: 80 });
      pool.addTarget(group, { weight: { 'nsboot-1': 3, 'nsboot-2': 2, 'nsboot-3': 1 } });
      if (kind === 'octavia') {
        const json = JSON.parse(Testing.synth(stack)) as StackJson;
        const members = Object.values(resourcesOf(json, 'openstack_lb_members_v2'))[0].member as Array<{
          weight: number;
        }>;
        expect(members.map((m) => m.weight)).toEqual([3, 2, 1]);
      } else {
        // One server line per node; a weight of 1 is the daemons' default and may be left out.
        const text = (lb as NginxBalancer | HaproxyBalancer).configFiles()[0].content;
        const servers = text.split('\n').filter((l) => /^\s+server /.test(l));
        const weights = servers.map((l) =>
          Number((kind === 'nginx' ? / weight=(\d+)/ : / weight (\d+)/).exec(l)?.[1] ?? 1),
        );
        expect(weights).toEqual([3, 2, 1]);
      }
    }
  });

  it('WHEN the map names a node the target does not have THEN a ValidationError naming the nodes', () => {
    const { lb, group } = workers('noop');
    const pool = lb.addPool('boot', { port: 80 });
    expect(() => pool.addTarget(group, { weight: { 'nsboot-9': 3 } })).toThrow(
      `noop/Balancer pool 'boot': weight of node "nsboot-9" is not allowed; allowed: a node of the target (nsboot-1, nsboot-2, nsboot-3). Fix: name the nodes as the target names them (a WorkerGroup: "<name>-1", …)`,
    );
  });

  it('WHEN a weight is out of range THEN the node check refuses it', () => {
    const { lb, group } = workers('noop');
    const pool = lb.addPool('boot', { port: 80 });
    expect(() => pool.addTarget(group, { weight: () => 0 })).toThrow(
      /weight of node 'nsboot-1' 0 is not allowed/,
    );
  });

  it('WHEN the ovn driver is given weights THEN its capability check refuses them', () => {
    const { stack, network } = build('noop');
    const group = new WorkerGroup(stack, 'W', { network, count: 2, image: 'img', flavor: 'small' });
    const lb = new OctaviaBalancer(stack, 'Ovn', { network, driver: 'ovn' });
    const pool = lb.addPool('boot', { port: 80 });
    expect(() => pool.addTarget(group, { weight: { 'w-1': 3 } })).toThrow(
      /member weight \(Octavia \(ovn driver\)\)/,
    );
  });
});
