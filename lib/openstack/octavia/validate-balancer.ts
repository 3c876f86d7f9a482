import { requireCapability } from '../../core/balancing';
import { BalancerNode } from '../../core/balancer';
import { ValidationError } from '../../core/errors';
import { isUnresolved } from '../../core/tokens';
import { checkName, checkSubnetAddress, cidrContains, parseIp } from '../../core/validate';
import { ISubnet } from '../network';
import {
  DEFAULT_OCTAVIA_API_VERSION,
  OctaviaDriver,
  parseOctaviaApiVersion,
  requireOctaviaApi,
  requireOctaviaDriver,
} from './capabilities';
import { OctaviaContext, knownSubnet, octaviaContext } from './context';
import { OctaviaBalancerProps, OctaviaPoolOptions } from './options';
import { stripBrackets } from './protocols';

/**
 * Checks the props of a balancer at `path` and returns the context every later check is made
 * against (driver, API microversion, VIP subnet).
 */
export function validateBalancerProps(path: string, props: OctaviaBalancerProps): OctaviaContext {
  const driver: OctaviaDriver = props.driver ?? 'amphora';
  if (driver !== 'amphora' && driver !== 'ovn') {
    throw new ValidationError({
      path,
      what: 'driver',
      value: driver,
      allowed: '"amphora" or "ovn"',
      fix: 'use the provider name `openstack loadbalancer provider list` shows',
    });
  }
  const api = parseOctaviaApiVersion(path, props.apiVersion ?? DEFAULT_OCTAVIA_API_VERSION);
  const ctx = octaviaContext(driver, api, props.network.subnet);
  if (driver === 'ovn') {
    requireOctaviaApi(
      path,
      'SOURCE_IP_PORT',
      api,
      'use driver "amphora" (the ovn driver balances by SOURCE_IP_PORT only)',
    );
  }
  if (props.flavorId !== undefined) {
    requireOctaviaDriver(
      path,
      driver,
      ctx.features.flavors,
      'flavorId',
      props.flavorId,
      'no flavorId (one topology)',
      'drop flavorId (the ovn driver has no flavors), or use driver "amphora"',
    );
    requireOctaviaApi(path, 'load balancer flavors', api, 'drop flavorId');
  }
  if (props.availabilityZone !== undefined) {
    requireOctaviaDriver(
      path,
      driver,
      ctx.features.availabilityZones,
      'availabilityZone',
      props.availabilityZone,
      'no availabilityZone',
      'drop availabilityZone (the ovn driver has no availability zones), or use driver "amphora"',
    );
    requireOctaviaApi(path, 'availability zones', api, 'drop availabilityZone');
  }
  return ctx;
}

/**
 * Checks the props that need the VIP subnet checked first (the VIP address, the floating IP
 * pool, the name).
 */
export function validatePlacement(ctx: OctaviaContext, path: string, props: OctaviaBalancerProps): void {
  if (props.vipAddress !== undefined) checkVipAddress(path, ctx.subnet, props.vipAddress);
  if (
    props.floatingIpPool !== undefined &&
    !isUnresolved(props.floatingIpPool) &&
    !props.floatingIpPool.trim()
  ) {
    throw new ValidationError({
      path,
      what: 'floatingIpPool',
      value: props.floatingIpPool,
      allowed: 'the name of an external network, e.g. "public"',
      fix: 'see `openstack network list --external`, or leave floatingIpPool out',
    });
  }
  if (props.name !== undefined) checkName(path, 'name', props.name);
}

function checkVipAddress(path: string, vipSubnet: ISubnet, address: string): void {
  checkSubnetAddress(
    path,
    'vipAddress',
    address,
    { cidr: vipSubnet.cidrKnown ? vipSubnet.cidr : undefined, label: 'VIP subnet' },
    'give a free address of the subnet, or leave vipAddress out',
  );
}

/** Checks one member of pool `options` (at `path`) against Octavia and the driver. */
export function checkMember(
  ctx: OctaviaContext,
  path: string,
  options: OctaviaPoolOptions,
  node: BalancerNode,
): void {
  const caps = ctx.capabilities;
  const host = stripBrackets(node.host);
  if (!isUnresolved(host) && !parseIp(host)) {
    throw new ValidationError({
      path,
      what: 'member address',
      value: node.host,
      allowed: 'an IPv4 or IPv6 address (Octavia members are addresses, not names)',
      fix: "give the address (an instance's private address is a Terraform reference), or resolve the name first",
    });
  }
  if (node.weight !== undefined && node.weight !== 1) {
    requireCapability(caps, path, 'member weight', String(node.weight), caps.weights, 'weight 1', 'weights');
  }
  if (node.backup) {
    requireCapability(
      caps,
      path,
      'backup member',
      node.name,
      caps.backupNodes,
      'no backup members',
      'backupNodes',
    );
    requireOctaviaApi(path, 'backup members', ctx.api, 'drop backup');
  }
  const ip = isUnresolved(host) ? undefined : parseIp(host);
  const subnet = knownSubnet(ctx.subnet);
  const noMixing = ctx.driver === 'ovn' || options.protocol === 'udp';
  if (ip && subnet && ip.version !== subnet.version && noMixing) {
    throw new ValidationError({
      path,
      what: 'member address',
      value: node.host,
      allowed: `an IPv${subnet.version} address, like the VIP subnet ${ctx.subnet.cidr} (${
        ctx.driver === 'ovn' ? 'the ovn driver' : 'Octavia in UDP pools'
      } cannot mix IPv4 and IPv6)`,
      fix: "give members of the VIP's IP version, or put IPv6 members behind an IPv6 VIP",
    });
  }
  if (
    ctx.driver === 'ovn' &&
    ip &&
    subnet &&
    !cidrContains(subnet, { ...ip, prefix: ip.version === 4 ? 32 : 128 })
  ) {
    throw new ValidationError({
      path,
      what: 'member address (Octavia (ovn driver))',
      value: node.host,
      allowed: `an address inside the VIP subnet ${ctx.subnet.cidr}`,
      fix: 'the ovn driver reaches members only through the VIP subnet; use driver "amphora" for external members',
    });
  }
}
