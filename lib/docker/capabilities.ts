import { BalancerCapabilities, HAPROXY_CAPABILITIES, NGINX_CAPABILITIES } from '../core/balancing';

const NO_CERTIFICATES =
  'the Docker balancers get no certificate files (they would have to live in the image); terminate TLS in front of the laptop twin, use tls.mode "passthrough", or the OpenStack balancer hosts';
const NO_RUNTIME_POOLS =
  'run-time pools are changed over SSH on balancer hosts; on Docker a pool change re-creates the balancer container in seconds: let Terraform own the pool';

/**
 * What the nginx container can do: what nginx can, except TLS termination (no certificate
 * files reach the container) and run-time pools (no SSH push).
 */
export const DOCKER_NGINX_CAPABILITIES: BalancerCapabilities = {
  ...NGINX_CAPABILITIES,
  tlsTermination: false,
  certificateKinds: [],
  runtimeManagedPools: false,
  advice: { ...NGINX_CAPABILITIES.advice, tlsTermination: NO_CERTIFICATES, runtimeManaged: NO_RUNTIME_POOLS },
};

/**
 * What the HAProxy container can do: what HAProxy can, except TLS termination and run-time
 * pools (see {@link DOCKER_NGINX_CAPABILITIES}).
 */
export const DOCKER_HAPROXY_CAPABILITIES: BalancerCapabilities = {
  ...HAPROXY_CAPABILITIES,
  tlsTermination: false,
  certificateKinds: [],
  runtimeManagedPools: false,
  advice: {
    ...HAPROXY_CAPABILITIES.advice,
    tlsTermination: NO_CERTIFICATES,
    runtimeManaged: NO_RUNTIME_POOLS,
  },
};
