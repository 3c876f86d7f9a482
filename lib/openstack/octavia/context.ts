import { BalancerCapabilities } from '../../core/balancing';
import { ParsedCidr, parseCidr } from '../../core/validate';
import { ISubnet } from '../network';
import {
  OCTAVIA_DRIVER_FEATURES,
  OctaviaDriver,
  OctaviaDriverFeatures,
  octaviaCapabilities,
} from './capabilities';

/**
 * What every Octavia check and mapping is a function of: the provider driver, the API
 * microversion and the VIP subnet. One value per balancer, made once in its constructor.
 */
export interface OctaviaContext {
  /** The provider driver. */
  readonly driver: OctaviaDriver;
  /** The API microversion, parsed (`[2, 13]`). */
  readonly api: readonly [number, number];
  /** What the driver supports beyond the shared capability table. */
  readonly features: OctaviaDriverFeatures;
  /** The driver's capability table (the shared vocabulary's view of it). */
  readonly capabilities: BalancerCapabilities;
  /** The VIP subnet. */
  readonly subnet: ISubnet;
}

/** The context of a balancer on `driver` at API `api` with its VIP on `subnet`. */
export function octaviaContext(
  driver: OctaviaDriver,
  api: readonly [number, number],
  subnet: ISubnet,
): OctaviaContext {
  return {
    driver,
    api,
    features: OCTAVIA_DRIVER_FEATURES[driver],
    capabilities: octaviaCapabilities(driver),
    subnet,
  };
}

/** A subnet's CIDR, parsed, when it is known at synth (a literal). */
export function knownSubnet(subnet: ISubnet): ParsedCidr | undefined {
  return subnet.cidrKnown ? parseCidr(subnet.cidr) : undefined;
}
