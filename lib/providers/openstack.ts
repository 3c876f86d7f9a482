/**
 * The public API of `webfarm/providers/openstack`: the OpenStack provider bindings generated
 * from the vendored schema by cdktf's own generator, namespaced exactly as `cdktf get` writes
 * them (`computeInstanceV2.ComputeInstanceV2`, `lbPoolV2.LbPoolV2`, …), plus the provider
 * class itself at the top level, the one name every stack that declares its own provider needs.
 *
 * @packageDocumentation
 */
export * from '../../.gen/providers/openstack';
export { OpenstackProvider } from '../../.gen/providers/openstack/provider';
export type { OpenstackProviderConfig } from '../../.gen/providers/openstack/provider';
