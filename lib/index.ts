/**
 * The public API of `webfarm`: every name a user may import from the package root. Each one is
 * a semver promise, so the list is explicit (no `export *`); `api/webfarm.api.md` is the
 * reviewed report of it (`npm run api` refreshes it, `npm run lint` fails when it is stale).
 * Adding a name: docs/architecture.md, "The public API".
 *
 * Pure renderers are under `webfarm/config` (lib/config/api.ts), the generated OpenStack
 * bindings under `webfarm/providers/openstack` (lib/providers/openstack.ts).
 *
 * @packageDocumentation
 */

// Vocabulary (lib/core)
export { ValidationError } from './core/errors';
export type { ValidationErrorDetails } from './core/errors';
export { Port } from './core/port';
export type { IpProtocol } from './core/port';
export { Peer } from './core/peer';
export type { IPeer } from './core/peer';
export { Connections } from './core/connections';
export type {
  ConnectionsProps,
  IConnectable,
  ISecurityGroup,
  RuleDirection,
  SecurityGroupRule,
} from './core/connections';
export type {
  BalancerNode,
  IBalancer,
  IBalancerListener,
  IBalancerPool,
  IBalancerTarget,
  IWorkerPool,
  ListenerCache,
  ListenerModel,
  ListenerOptions,
  NodeWeights,
  PoolModel,
  PoolOptions,
  RoutingRule,
  TargetOptions,
  WorkerNode,
} from './core/balancer';
export { BalancerBase } from './core/balancer-base';
export {
  Algorithm,
  HAPROXY_CAPABILITIES,
  NGINX_CAPABILITIES,
  Stickiness,
  UNRESTRICTED_CAPABILITIES,
} from './core/balancing';
export type {
  ActiveHealthCheck,
  AlgorithmKind,
  BalancerCapabilities,
  HealthCheck,
  ListenerExtra,
  ListenerProtocol,
  ListenerTls,
  PassiveHealthCheck,
  PoolTimeouts,
  StickinessKind,
  TlsCertificate,
  TlsVersion,
} from './core/balancing';
export { escapeTerraformTemplate, terraformBase64, terraformSha256 } from './core/escape';
export type { HostFile, RuntimeManifest, RuntimePoolRecord } from './core/host-files';
export { TOPOLOGY_KEY } from './core/topology';
export type {
  BalancerTopology,
  PoolManagement,
  TopologyHost,
  TopologyListener,
  TopologyMember,
  TopologyPool,
} from './core/topology';
export type { CloudConfig, CloudInitFile, CloudInitUser } from './config/cloud-init';
export type { ManagedDirectory } from './config/delivery';
export type { NfsVersion } from './config/nfs';
export type { NginxTimeouts } from './config/nginx';
export type { RedisEvictionPolicy, RedisTlsConfig } from './config/redis';

// Constructs on OpenStack (lib/openstack)
export { Network } from './openstack/network';
export type {
  INetwork,
  ISubnet,
  NetworkImportOptions,
  NetworkLookupOptions,
  NetworkProps,
} from './openstack/network';
export { SecurityGroup } from './openstack/security-group';
export type { SecurityGroupProps } from './openstack/security-group';
export { ServerGroup } from './openstack/server-group';
export type { PlacementPolicy, ServerGroupProps } from './openstack/server-group';
export { FloatingIp } from './openstack/floating-ip';
export type { FloatingIpProps } from './openstack/floating-ip';
export { Host } from './openstack/host';
export type { CloudConfigProducer, HostProps, HostVolume, HostVolumeOptions } from './openstack/host';
export { ConfigDelivery } from './openstack/config-delivery';
export type {
  ConfigDeliveryProps,
  DeliveryInstance,
  HostFilesProducer,
  SshAccess,
} from './openstack/config-delivery';
export { KeyPair } from './openstack/keypair';
export type { IKeyPair, KeyPairProps } from './openstack/keypair';
export { AdminAccess, Bastion } from './openstack/admin-access';
export type { AdminAccessProps, BastionProps, IAdminAccess } from './openstack/admin-access';
export type { ResolvedRoles, WorkerRoles } from './hosting/roles';
export { ENV_SAFE_SPECIAL_CHARACTERS } from './hosting/env-file';
export { WorkerApp } from './hosting/app';
export type {
  DockerComposeAppOptions,
  SystemdAppOptions,
  WorkerAppConfig,
  WorkerAppContext,
} from './hosting/app';
export { WorkerGroup } from './openstack/worker-group';
export type { WorkerDataVolume, WorkerGroupProps, WorkerPlacement } from './openstack/worker-group';
export { generatedSecret, SECRET_SAFE_SPECIAL_CHARACTERS } from './hosting/secrets';
export type { GeneratedSecretOptions } from './hosting/secrets';
export { RedisHost } from './openstack/redis-host';
export type { RedisHostProps } from './openstack/redis-host';
export { NfsServer, NfsShare } from './openstack/nfs-server';
export type { INfsClients, NfsMountOptions, NfsServerProps } from './openstack/nfs-server';
export { ZfsReplication } from './openstack/zfs-replication';
export type { ZfsNfsExportOptions, ZfsReplicationProps } from './openstack/zfs-replication';

// The laptop twin on Docker (lib/docker)
export { DockerNetwork } from './docker/network';
export type { DockerNetworkProps } from './docker/network';
export { DockerVolume } from './docker/volume';
export type { DockerVolumeProps } from './docker/volume';
export { ContainerGroup } from './docker/container-group';
export type {
  ContainerFile,
  ContainerGroupProps,
  ContainerHealthCheck,
  ContainerVolumeMount,
  RestartPolicy,
} from './docker/container-group';
export { BalancerContainer } from './docker/balancer-container';
export type { DockerBalancerProps } from './docker/balancer-container';
export { DockerBalancerBase, DockerHaproxyBalancer, DockerNginxBalancer } from './docker/balancers';
export type { DockerHaproxyBalancerProps, DockerNginxBalancerProps } from './docker/balancers';
export { DockerRedis } from './docker/redis';
export type { DockerRedisProps } from './docker/redis';
export { DockerPlatform } from './docker/platform';
export type { DockerPlatformProps } from './docker/platform';
export { DEFAULT_IMAGES } from './docker/image';
export { DOCKER_HAPROXY_CAPABILITIES, DOCKER_NGINX_CAPABILITIES } from './docker/capabilities';

// Balancers (lib/openstack, lib/testing)
export { BalancerHosts } from './openstack/balancer-hosts';
export type {
  BalancerDelivery,
  BalancerHostFile,
  SelfHostedBalancerProps,
} from './openstack/balancer-host-props';
export type { BalancerHighAvailability } from './openstack/keepalived-pair';
export { SelfHostedBalancerBase } from './openstack/self-hosted-balancer';
export { NginxBalancer } from './openstack/nginx-balancer';
export type { NginxBalancerProps } from './openstack/nginx-balancer';
export { HaproxyBalancer } from './openstack/haproxy-balancer';
export type { HaproxyBalancerProps } from './openstack/haproxy-balancer';
export { OctaviaBalancer, OctaviaListener, OctaviaPool } from './openstack/octavia';
export type {
  OctaviaBalancerProps,
  OctaviaInsertHeaders,
  OctaviaListenerOptions,
  OctaviaListenerTimeouts,
  OctaviaMetricsListenerOptions,
  OctaviaPolicy,
  OctaviaPoolOptions,
  OctaviaRedirect,
} from './openstack/octavia';
export {
  DEFAULT_OCTAVIA_API_VERSION,
  LATEST_KNOWN_OCTAVIA_API_VERSION,
  OCTAVIA_AMPHORA_CAPABILITIES,
  OCTAVIA_OVN_CAPABILITIES,
} from './openstack/octavia';
export type { OctaviaDriver, OctaviaListenerProtocol, OctaviaPoolProtocol } from './openstack/octavia';
export { NoopBalancer } from './testing/noop-balancer';
export type { NoopBalancerProps } from './testing/noop-balancer';

// One-call patterns (lib/patterns) and the platforms they run on
export type {
  IServicePlatform,
  IServiceRedis,
  IServiceWorkers,
  ServiceBalancer,
  ServiceRoles,
  ServiceSharedFilesSpec,
  ServiceWorkersSpec,
} from './core/service';
export { LoadBalancedService } from './patterns/load-balanced-service';
export type {
  LoadBalancedServiceProps,
  ServiceListenerOptions,
  ServicePoolOptions,
  ServiceRedisOptions,
  ServiceRoute,
  ServiceSharedFilesOptions,
} from './patterns/load-balanced-service';
export { OpenStackPlatform } from './openstack/platform';
export type {
  OpenStackHostPlatformProps,
  OpenStackOctaviaPlatformProps,
  OpenStackPlatformProps,
  OpenStackRedisOptions,
  OpenStackSharedFilesOptions,
} from './openstack/platform';
