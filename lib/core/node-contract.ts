import { IBalancer, IBalancerPool, PoolOptions, nodeAddress, parseNode } from './balancer';
import { ValidationError } from './errors';

/**
 * The seed deployment tool's balancer contract (`velociraptor-balancers.rst`, "Creating New
 * Balancer Backends"), written once over the public surface of any {@link IBalancer}, so every
 * backend (nginx, HAProxy, Octavia, Docker, the no-op one) behaves the same:
 *
 * - `getNodes(pool)` of a pool that does not exist is `[]`;
 * - `addNodes(pool, nodes)` creates the pool when it does not exist (through the backend's own
 *   `addPool`, so its resources and checks are the ones `addPool` makes);
 * - `deleteNodes(pool, nodes)` succeeds when the pool or a node does not exist.
 */

/** The pool named `name` of `balancer`, or `undefined`. */
export function findPool(balancer: IBalancer, name: string): IBalancerPool | undefined {
  return balancer.pools.find((p) => p.name === name);
}

/** `host:port` of every node of pool `pool`; `[]` when there is no such pool. */
export function getPoolNodes(balancer: IBalancer, pool: string): string[] {
  return findPool(balancer, pool)?.nodes.map(nodeAddress) ?? [];
}

/**
 * Adds nodes to pool `pool`, creating the pool first when it does not exist: with `options`
 * when given, else on the port of the first node. Every node is parsed before anything is
 * created, so a malformed node leaves no pool behind.
 *
 * @param path where errors point (the balancer's construct path)
 * @param create the backend's `addPool`
 */
export function addPoolNodes(
  balancer: IBalancer,
  path: string,
  pool: string,
  nodes: readonly string[],
  options: PoolOptions | undefined,
  create: (id: string, options: PoolOptions) => IBalancerPool = (id, o) => balancer.addPool(id, o),
): void {
  const where = `${path} pool '${pool}'`;
  if (!Array.isArray(nodes)) {
    throw new ValidationError({
      path: where,
      what: 'nodes',
      value: nodes,
      allowed: 'a list of "host:port" strings',
      fix: 'pass the nodes as an array, e.g. ["10.0.0.5:8080"]',
    });
  }
  const parsed = nodes.map((n) => parseNode(where, n));
  const existing = findPool(balancer, pool);
  if (existing) {
    existing.addNodes(parsed);
    return;
  }
  if (options === undefined && parsed.length === 0) {
    throw new ValidationError({
      path: where,
      what: 'nodes of a pool that does not exist yet',
      value: [],
      allowed: 'at least one "host:port" node (its port becomes the pool port), or pool options',
      fix: 'give a node, pass options as the third argument (e.g. { port: 8080 }), or addPool first',
    });
  }
  create(pool, options ?? { port: parsed[0].port }).addNodes(parsed);
}

/** Removes nodes (`host:port` or names) from pool `pool`; a missing pool or node is no error. */
export function deletePoolNodes(balancer: IBalancer, pool: string, nodes: readonly string[]): void {
  findPool(balancer, pool)?.removeNodes([...nodes]);
}
