/**
 * HAProxy configuration: a typed model ({@link HaproxyConfig}) and one printer
 * ({@link renderHaproxy}) that writes one `haproxy.cfg` with a `frontend` per listener and a
 * `backend` per pool (frontends and backends may share a name in HAProxy).
 *
 * Health: every node is checked actively — the pool's `healthCheck.active` probe, or by default
 * an HTTP `GET /` every 2 s (healthy below 500; TCP connect for tcp pools) — and passively:
 * `maxFails` errors or 5xx answers on real traffic mark it down at once (`observe layer7`, tcp
 * pools `layer4`, `error-limit … on-error mark-down`). HAProxy has no
 * time window for passive failures: a node marked down returns after `rise` successful checks,
 * so `failTimeoutSeconds` (an nginx notion) is not used.
 *
 * Retries: a failed attempt is retried (`retries`, `retry-on all-retryable-errors`) on another
 * node (`option redispatch 1`); layer-7 retries (after the request was sent) are disabled for
 * methods that are not idempotent, so a POST is never sent twice.
 *
 * The pools and listeners it takes are the core model's (`PoolModel`, `ListenerModel` in lib/core:
 * a balancer passes its `IBalancerPool`s and `IBalancerListener`s as they are) plus what only
 * HAProxy has (`bindAddress`, one PEM file for TLS); the rest of {@link HaproxyConfig} is the
 * host's own settings.
 *
 * Files: `types` (the input model), `resolved` (the validated model), `resolve` and
 * `resolve-listener` (checks and defaults), `render` (the printer and the sections).
 */
export * from './types';
export { renderHaproxy } from './render';
