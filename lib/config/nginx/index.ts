/**
 * nginx configuration: a typed model ({@link NginxConfig}) and one printer ({@link renderNginx}).
 *
 * The output is a base `nginx.conf` (global settings, proxy defaults, the `stub_status` server)
 * that includes one file per pool and one file per listener, so that changing one pool rewrites
 * one file (the seed deployment tool's layout: concurrent edits of different pools don't
 * collide) and the base file, delivered once at boot, never changes when pools do.
 *
 * Open-source nginx has passive health checks only and no cookie-insert stickiness: a pool that
 * asks for either is a {@link ValidationError} that names HAProxy as the fix.
 *
 * The pools and listeners it takes are the core model's (`PoolModel`, `ListenerModel` in lib/core:
 * a balancer passes its `IBalancerPool`s and `IBalancerListener`s as they are) plus what only
 * nginx has (`bindAddress`); the rest of {@link NginxConfig} is the host's own settings.
 *
 * Files: `types` (the input model), `resolved` (the validated model), `resolve` and
 * `resolve-listener` (checks and defaults), `render` (the printer and the files).
 */
export * from './types';
export { renderNginx } from './render';
