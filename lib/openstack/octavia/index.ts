// The Octavia backend, one concern a file: options (public option types), capabilities (driver
// and API version tables), context (what every check is a function of), protocols (pure
// mappings to Octavia's spelling), validate-* (checks as pure functions of context and
// options), chain (the one depends_on chain), pool, listener, peers, and the construct.
export * from './capabilities';
export * from './options';
export { OctaviaPool } from './pool';
export type { OctaviaPoolParts } from './pool';
export { OctaviaListener } from './listener';
export type { OctaviaPolicy, OctaviaRedirect } from './listener';
export { OctaviaBalancer } from './balancer';
