import { ListenerOptions, PoolOptions } from '../../core/balancer';
import { INetwork } from '../network';
import { OctaviaDriver } from './capabilities';

/** Props of {@link OctaviaBalancer}. */
export interface OctaviaBalancerProps {
  /**
   * The network whose subnet holds the VIP (usually the workers' network:
   * `Network.fromName(this, 'Net', 'auto_allocated_network')`). The subnet's CIDR is where the
   * amphorae talk to members from, so `pool.addTarget` opens the workers' port to it.
   */
  readonly network: INetwork;
  /**
   * Octavia provider driver. `amphora`: HAProxy service VMs, layer 4 and 7. `ovn`: OVN's native
   * balancer, layer 4 only (TCP/UDP, SOURCE_IP_PORT, TCP/UDP-CONNECT monitors). Everything asked
   * of the balancer is checked against it at synth (see docs/octavia.md).
   * @default 'amphora'
   */
  readonly driver?: OctaviaDriver;
  /**
   * The cloud's Octavia API microversion (`max_version` of
   * `openstack versions show --service load-balancer`). Features newer than it are refused at
   * synth, e.g. availability zones (2.14), TLS versions (2.17), PROXYV2 (2.22), HSTS (2.27).
   * @default '2.13' (Octavia of OpenStack Train: has allowed_cidrs and SOURCE_IP_PORT)
   */
  readonly apiVersion?: string;
  /**
   * Octavia flavor id (`openstack loadbalancer flavor list`). Operators offer ACTIVE_STANDBY
   * (two amphorae, VRRP) through a flavor; that is how you get a highly available balancer.
   * Amphora driver only; API 2.6.
   * @default - the cloud's default flavor (usually SINGLE topology)
   */
  readonly flavorId?: string;
  /**
   * Octavia availability zone. Amphora driver only; API 2.14.
   * @default - the cloud's default placement
   */
  readonly availabilityZone?: string;
  /**
   * Allocate a floating IP from this external network (e.g. `public`) and associate it with the
   * VIP port, as a separate association (replacing the balancer keeps the address).
   * @default - no floating IP: the VIP is reachable from its own network only
   */
  readonly floatingIpPool?: string;
  /**
   * A fixed VIP address inside the subnet.
   * @default - one assigned by Neutron
   */
  readonly vipAddress?: string;
  /**
   * Name of the load balancer in the cloud; listeners and pools are named `<name>-<id>`.
   * @default - derived from the construct path
   */
  readonly name?: string;
}

/** Options of {@link OctaviaBalancer.addPool}: the shared pool options plus Octavia's own. */
export interface OctaviaPoolOptions extends PoolOptions {
  /**
   * Speak the PROXY protocol to the members (pool protocol PROXY, or PROXYV2 from API 2.22), so
   * they learn the client address on layer 4. Amphora driver only; `protocol` 'http' or 'tcp'.
   * @default - no PROXY protocol
   */
  readonly proxyProtocol?: 'v1' | 'v2';
}

/** Headers the amphora inserts into requests to members (HTTP and TERMINATED_HTTPS listeners). */
export interface OctaviaInsertHeaders {
  /**
   * `X-Forwarded-For: <client address>`.
   * @default true
   */
  readonly forwardedFor?: boolean;
  /**
   * `X-Forwarded-Port: <listener port>`.
   * @default false
   */
  readonly forwardedPort?: boolean;
  /**
   * `X-Forwarded-Proto: http|https` (API 2.1).
   * @default true where the API has it (2.1 and later)
   */
  readonly forwardedProto?: boolean;
}

/** Listener timeouts (amphora driver, API 2.1), in seconds (whole milliseconds are sent). */
export interface OctaviaListenerTimeouts {
  /**
   * Idle time of the client side.
   * @default - Octavia's default (50 s)
   */
  readonly clientDataSeconds?: number;
  /**
   * Time to connect to a member.
   * @default - Octavia's default (5 s)
   */
  readonly memberConnectSeconds?: number;
  /**
   * Idle time of the member side (raise it for websockets and long polls).
   * @default - Octavia's default (50 s)
   */
  readonly memberDataSeconds?: number;
  /**
   * Time to wait for more TCP content to inspect (L7 rules on TCP).
   * @default - Octavia's default (0)
   */
  readonly tcpInspectSeconds?: number;
}

/** Options of {@link OctaviaBalancer.addListener}: the shared listener options plus Octavia's own. */
export interface OctaviaListenerOptions extends ListenerOptions {
  /**
   * Headers inserted into requests (HTTP and TERMINATED_HTTPS listeners, amphora driver).
   * @default - X-Forwarded-For and X-Forwarded-Proto on HTTP-level listeners; none on TCP/UDP/passthrough
   */
  readonly insertHeaders?: OctaviaInsertHeaders;
  /**
   * Timeouts (amphora driver, API 2.1). Octavia has no pool timeouts: the `timeouts` of the pools
   * a listener reaches (`PoolOptions.timeouts`, the longest of each) become its
   * `memberConnectSeconds` and `memberDataSeconds` unless given here.
   * @default - Octavia's defaults
   */
  readonly timeouts?: OctaviaListenerTimeouts;
  /**
   * Most concurrent connections (amphora driver).
   * @default - unlimited (Octavia's -1)
   */
  readonly connectionLimit?: number;
  /**
   * OpenSSL cipher string of a TERMINATED_HTTPS listener (API 2.15).
   * @default - the cloud's default cipher list
   */
  readonly tlsCiphers?: string;
  /**
   * Add `includeSubDomains` to the HSTS header (needs `tls.hstsMaxAgeSeconds`; API 2.27).
   * @default false
   */
  readonly hstsIncludeSubdomains?: boolean;
  /**
   * Add `preload` to the HSTS header (needs `tls.hstsMaxAgeSeconds`; API 2.27).
   * @default false
   */
  readonly hstsPreload?: boolean;
  /**
   * Where `tls.redirectFromPort` redirects to: scheme and host (and port) of the HTTPS site,
   * e.g. `https://www.example.org`. Octavia's REDIRECT_PREFIX prepends it to the request path;
   * it cannot take the host from the request, so name it.
   * @default - required when tls.redirectFromPort is given
   */
  readonly redirectPrefix?: string;
}

/** Options of {@link OctaviaBalancer.addMetricsListener}. */
export interface OctaviaMetricsListenerOptions {
  /** Port of the Prometheus endpoint (e.g. 8088). */
  readonly port: number;
  /**
   * Who may scrape. There is no default "anyone".
   * @default - the VIP subnet only
   */
  readonly allowedCidrs?: string[];
}
