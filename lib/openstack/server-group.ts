import { Construct } from 'constructs';
import { ComputeServergroupV2 } from '../../.gen/providers/openstack/compute-servergroup-v2';
import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';
import { checkName } from '../core/validate';
import { ensureProvider } from '../core/providers';
import { OPENSTACK_PROVIDER } from './provider';

const POLICIES: readonly PlacementPolicy[] = [
  'anti-affinity',
  'soft-anti-affinity',
  'affinity',
  'soft-affinity',
];

/** Nova placement policies. */
export type PlacementPolicy = 'anti-affinity' | 'soft-anti-affinity' | 'affinity' | 'soft-affinity';

/** Props of {@link ServerGroup}. */
export interface ServerGroupProps {
  /**
   * `anti-affinity`: every member on a different hypervisor, or the boot fails;
   * `soft-anti-affinity`: spread when the cloud can.
   * @default 'anti-affinity'
   */
  readonly policy?: PlacementPolicy;
  /**
   * Name in the cloud.
   * @default - derived from the construct path
   */
  readonly name?: string;
}

/**
 * A Nova server group: members are placed on different (or the same) hypervisors. The seed VISA
 * platform's "the servers should be on different physical hosts" is `anti-affinity`.
 */
export class ServerGroup extends Construct {
  /** The server group id (used in every member's `scheduler_hints.group`). */
  public readonly serverGroupId: string;
  /** The policy. */
  public readonly policy: PlacementPolicy;
  /** The L1 resource. */
  public readonly resource: ComputeServergroupV2;

  constructor(scope: Construct, id: string, props: ServerGroupProps = {}) {
    super(scope, id);
    ensureProvider(this, OPENSTACK_PROVIDER);
    this.policy = props.policy ?? 'anti-affinity';
    if (!POLICIES.includes(this.policy)) {
      throw new ValidationError({
        path: this.node.path,
        what: 'policy',
        value: this.policy,
        allowed: POLICIES.map((p) => JSON.stringify(p)).join(', '),
        fix: 'use "anti-affinity" to spread members over hypervisors',
      });
    }
    if (props.name !== undefined && !isUnresolved(props.name)) checkName(this.node.path, 'name', props.name);
    this.resource = new ComputeServergroupV2(this, 'Resource', {
      name: props.name ?? this.node.path.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase(),
      policies: [this.policy],
    });
    this.serverGroupId = this.resource.id;
  }
}
