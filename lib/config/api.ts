/**
 * The public API of `webfarm/config`: pure renderers (no cdktf, no constructs) for the files
 * webfarm puts on hosts, for users who write them outside a stack. The balancer renderers
 * (nginx, HAProxy, keepalived) are not public: they follow the balancer constructs' model and
 * change with it; `npx webfarm configs` shows what they write. Reported in
 * `api/webfarm-config.api.md` (docs/architecture.md, "The public API").
 *
 * @packageDocumentation
 */
export { mergeCloudConfigs, renderCloudConfig } from './cloud-init';
export type { CloudConfig, CloudInitFile, CloudInitUser } from './cloud-init';
export type { HostFile } from '../core/host-file';
export { redisConnectionEnv, renderRedisConf } from './redis';
export type { RedisConfig, RedisEndpoint, RedisEvictionPolicy, RedisTlsConfig } from './redis';
export { renderExports, renderNfsMountEntry, renderNfsServerConf } from './nfs';
export type { NfsExport, NfsMount, NfsVersion } from './nfs';
export { renderSystemdUnit } from './systemd';
export type { SystemdDirective, SystemdSection, SystemdUnit } from './systemd';
