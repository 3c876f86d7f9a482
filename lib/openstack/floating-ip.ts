import { Construct } from 'constructs';
import { NetworkingFloatingipV2 } from '../../.gen/providers/openstack/networking-floatingip-v2';
import { NetworkingFloatingipAssociateV2 } from '../../.gen/providers/openstack/networking-floatingip-associate-v2';
import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';
import { parseIp } from '../core/validate';
import { ensureProvider } from '../core/providers';
import { OPENSTACK_PROVIDER } from './provider';
import { checkCloudText } from './cloud-text';

/** Props of {@link FloatingIp}. */
export interface FloatingIpProps {
  /** Name of the external network (pool) to allocate from, e.g. `public`. */
  readonly pool: string;
  /** The Neutron port to associate with (an instance's port, a VIP port, an Octavia VIP). */
  readonly portId: string;
  /**
   * The fixed IP on that port, when it has several.
   * @default - the port's only fixed IP
   */
  readonly fixedIp?: string;
  /**
   * Description in the cloud.
   * @default - "managed by webfarm: <construct path>"
   */
  readonly description?: string;
}

/**
 * A public address, allocated on its own (`openstack_networking_floatingip_v2`) and associated to
 * a port by a separate `openstack_networking_floatingip_associate_v2`: replacing the instance or
 * the port behind it re-associates the same address instead of losing it.
 */
export class FloatingIp extends Construct {
  /** The public address (a Terraform reference). */
  public readonly address: string;
  /** The floating IP resource. */
  public readonly resource: NetworkingFloatingipV2;
  /** The association. */
  public readonly association: NetworkingFloatingipAssociateV2;

  constructor(scope: Construct, id: string, props: FloatingIpProps) {
    super(scope, id);
    checkCloudText(
      this.node.path,
      'description',
      props.description,
      'shorten the description (when webfarm wrote it, it names the construct path: shorten the construct ids)',
    );
    ensureProvider(this, OPENSTACK_PROVIDER);
    const path = this.node.path;
    if (!isUnresolved(props.pool) && (typeof props.pool !== 'string' || props.pool.trim() === '')) {
      throw new ValidationError({
        path,
        what: 'pool',
        value: props.pool,
        allowed: 'the name of an external network',
        fix: 'give the external network, e.g. "public" (`openstack network list --external`)',
      });
    }
    if (!isUnresolved(props.portId) && (typeof props.portId !== 'string' || props.portId.trim() === '')) {
      throw new ValidationError({
        path,
        what: 'portId',
        value: props.portId,
        allowed: 'the id of a Neutron port (e.g. `host.port.id`)',
        fix: 'pass the port of the instance or VIP, e.g. host.port.id',
      });
    }
    if (props.fixedIp !== undefined && !isUnresolved(props.fixedIp) && parseIp(props.fixedIp) === undefined) {
      throw new ValidationError({
        path,
        what: 'fixedIp',
        value: props.fixedIp,
        allowed: 'an IP address of the port',
        fix: 'give one of the port fixed IPs, or leave fixedIp unset',
      });
    }
    this.resource = new NetworkingFloatingipV2(this, 'Resource', {
      pool: props.pool,
      description: props.description ?? `managed by webfarm: ${this.node.path}`,
    });
    this.association = new NetworkingFloatingipAssociateV2(this, 'Association', {
      floatingIp: this.resource.address,
      portId: props.portId,
      ...(props.fixedIp ? { fixedIp: props.fixedIp } : {}),
    });
    this.address = this.resource.address;
  }
}
