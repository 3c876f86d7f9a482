import { Construct } from 'constructs';
import { BalancerCapabilities } from './balancing';
import { IBalancer, IBalancerListener, IBalancerPool, ListenerOptions, PoolOptions } from './balancer';
import { BalancerModel } from './balancer-model';
import { Connections } from './connections';
import { addPoolNodes, deletePoolNodes, getPoolNodes } from './node-contract';

/**
 * The part of {@link IBalancer} every backend shares (aws-cdk's `FooBase` idiom): pools,
 * listeners and nodes live in the backend's model (`BalancerModel`), and the reading and node
 * methods answer from it. A backend supplies its model, its connections and its addresses, and
 * overrides `addPool`/`addListener` when it checks more or creates something per pool or
 * listener (calling `super.addPool` / `super.addListener` or its own model).
 *
 * Backends extend this class; no backend extends another backend.
 */
export abstract class BalancerBase extends Construct implements IBalancer {
  /** The balancer's connections (its security group; no groups on Docker). */
  public abstract readonly connections: Connections;
  /** The address the balancer has inside its network. */
  public abstract readonly privateAddress: string;
  /** The address clients outside the network use, when there is one. */
  public abstract readonly publicAddress?: string;
  /** The pools, listeners and capability checks of this balancer. @internal */
  protected abstract readonly model: BalancerModel;

  /** What this backend supports. */
  public get capabilities(): BalancerCapabilities {
    return this.model.capabilities;
  }

  /** The pools, in the order they were added. */
  public get pools(): readonly IBalancerPool[] {
    return this.model.pools;
  }

  /** The listeners, in the order they were added. */
  public get listeners(): readonly IBalancerListener[] {
    return this.model.listeners;
  }

  /** Adds a pool (checked against the backend's capabilities) and returns it. */
  public addPool(id: string, options: PoolOptions): IBalancerPool {
    return this.model.addPool(id, options);
  }

  /** Adds a listener (checked against the backend's capabilities) and returns it. */
  public addListener(id: string, options: ListenerOptions): IBalancerListener {
    return this.model.addListener(id, options);
  }

  /** `host:port` of every node of `pool`; `[]` when there is no such pool. */
  public getNodes(pool: string): string[] {
    return getPoolNodes(this, pool);
  }

  /**
   * Adds nodes to `pool` (nodes already there are left alone), creating the pool through this
   * backend's `addPool` (with `options`, else on the first node's port) when it does not exist.
   */
  public addNodes(pool: string, nodes: string[], options?: PoolOptions): void {
    addPoolNodes(this, this.node.path, pool, nodes, options);
  }

  /** Removes nodes from `pool`; a missing pool or node is no error. */
  public deleteNodes(pool: string, nodes: string[]): void {
    deletePoolNodes(this, pool, nodes);
  }

  /** Removes nodes from `pool`, as `deleteNodes`. @deprecated use `deleteNodes` */
  public removeNodes(pool: string, nodes: string[]): void {
    this.deleteNodes(pool, nodes);
  }
}
