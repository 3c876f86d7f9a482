import { Lazy, TerraformResource, Token } from '../../core/cdk';

/**
 * One `depends_on` chain through the child resources of a load balancer: Octavia refuses
 * concurrent changes on one load balancer (PENDING_UPDATE → 409), so each child waits for the
 * one before it.
 *
 * The order is a function of the balancer's listeners and pools (`order`), read at synth. It is
 * computed once per change: every resource's `depends_on` looks its predecessor up in the same
 * table, made on first use and dropped when a resource is added or {@link invalidate} is called.
 */
export class DependencyChain {
  private previous?: Map<TerraformResource, TerraformResource | undefined>;

  /** @param order - the chain, first resource first (references always point back). */
  constructor(private readonly order: () => TerraformResource[]) {}

  /** Makes `resource` depend on its predecessor in the chain. */
  public add(resource: TerraformResource): void {
    this.invalidate();
    resource.dependsOn = Token.asList(
      Lazy.listValue(
        {
          produce: () => {
            const prev = this.predecessors().get(resource);
            return prev ? [`${prev.terraformResourceType}.${prev.friendlyUniqueId}`] : [];
          },
        },
        { omitEmpty: true },
      ),
    );
  }

  /** Drops the computed order (after a change that moves resources in it). */
  public invalidate(): void {
    this.previous = undefined;
  }

  /** The chain, first resource first. */
  public resources(): TerraformResource[] {
    return this.order();
  }

  private predecessors(): Map<TerraformResource, TerraformResource | undefined> {
    if (!this.previous) {
      const seq = this.order();
      this.previous = new Map(seq.map((r, i) => [r, i > 0 ? seq[i - 1] : undefined]));
    }
    return this.previous;
  }
}
