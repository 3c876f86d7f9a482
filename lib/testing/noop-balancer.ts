import { Construct } from 'constructs';
import {
  BalancerBase,
  BalancerCapabilities,
  BalancerModel,
  Connections,
  UNRESTRICTED_CAPABILITIES,
} from '../core';

/** Props of {@link NoopBalancer}. */
export interface NoopBalancerProps {
  /**
   * Capabilities to enforce, e.g. `NGINX_CAPABILITIES` to test that your stack would be
   * accepted by nginx.
   * @default UNRESTRICTED_CAPABILITIES (everything is accepted)
   */
  readonly capabilities?: BalancerCapabilities;
  /**
   * The address it reports as `privateAddress`.
   * @default '192.0.2.10' - a documentation address (RFC 5737) that nothing answers on
   */
  readonly privateAddress?: string;
  /**
   * The address it reports as `publicAddress`.
   * @default - none
   */
  readonly publicAddress?: string;
}

/**
 * A balancer that records pools, listeners and nodes and creates no resources (the seed
 * deployment tool's "dummy balancer"). For users' own tests: build your composition with it
 * and assert on `getNodes(pool)`. Its `connections` has no security group, so the paths that
 * `pool.addTarget` opens are recorded and write no rule.
 */
export class NoopBalancer extends BalancerBase {
  /** Connections without groups: declared paths are kept and write nothing. */
  public readonly connections = new Connections({ path: this.node.path });
  /** The address given in the props (a documentation address by default). */
  public readonly privateAddress: string;
  /** The address given in the props. */
  public readonly publicAddress?: string;
  /** The recorded pools and listeners. @internal */
  protected readonly model: BalancerModel;

  constructor(scope: Construct, id: string, props: NoopBalancerProps = {}) {
    super(scope, id);
    this.privateAddress = props.privateAddress ?? '192.0.2.10';
    this.publicAddress = props.publicAddress;
    this.model = new BalancerModel({
      path: this.node.path,
      capabilities: props.capabilities ?? UNRESTRICTED_CAPABILITIES,
      allowToTarget: () => undefined,
    });
  }
}
