import { Construct } from 'constructs';
import {
  BalancerCapabilities,
  BalancerModel,
  IBalancer,
  IBalancerListener,
  IBalancerPool,
  ListenerOptions,
  PoolOptions,
  UNRESTRICTED_CAPABILITIES,
  addPoolNodes,
  deletePoolNodes,
  getPoolNodes,
} from '../core';

/** Props of {@link NoopBalancer}. */
export interface NoopBalancerProps {
  /**
   * Capabilities to enforce, e.g. `NGINX_CAPABILITIES` to test that your stack would be
   * accepted by nginx.
   * @default UNRESTRICTED_CAPABILITIES (everything is accepted)
   */
  readonly capabilities?: BalancerCapabilities;
}

/**
 * A balancer that records pools, listeners and nodes and creates no resources (the seed
 * deployment tool's "dummy balancer"). For users' own tests: build your composition with it
 * and assert on `getNodes(pool)`. Opening security-group paths is skipped too.
 */
export class NoopBalancer extends Construct implements IBalancer {
  private readonly model: BalancerModel;

  constructor(scope: Construct, id: string, props: NoopBalancerProps = {}) {
    super(scope, id);
    this.model = new BalancerModel({
      path: this.node.path,
      capabilities: props.capabilities ?? UNRESTRICTED_CAPABILITIES,
      allowToTarget: () => undefined,
    });
  }

  /** What this balancer accepts. */
  public get capabilities(): BalancerCapabilities {
    return this.model.capabilities;
  }

  /** Pools in the order they were added. */
  public get pools(): readonly IBalancerPool[] {
    return this.model.pools;
  }

  /** Listeners in the order they were added. */
  public get listeners(): readonly IBalancerListener[] {
    return this.model.listeners;
  }

  /** Records a pool. */
  public addPool(id: string, options: PoolOptions): IBalancerPool {
    return this.model.addPool(id, options);
  }

  /** Records a listener. */
  public addListener(id: string, options: ListenerOptions): IBalancerListener {
    return this.model.addListener(id, options);
  }

  /** `host:port` of every node of `pool`; `[]` when there is no such pool. */
  public getNodes(pool: string): string[] {
    return getPoolNodes(this, pool);
  }

  /** Adds nodes to `pool`, creating the pool (with `options`, else the first node's port) when missing. */
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
