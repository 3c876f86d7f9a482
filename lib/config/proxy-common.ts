import { checkHeaderName } from '../core/balancing';
import { ValidationError } from '../core/errors';
import { checkHeaderValue } from './quote';

/**
 * What the nginx and HAProxy renderers share: the checks on pool references and on extra request
 * headers, written once so both dialects reject the same mistakes with the same words.
 */

/** Headers every proxied request gets from webfarm (forwarding) or that belong to one hop. */
export const RESERVED_REQUEST_HEADERS: readonly string[] = [
  'host',
  'x-real-ip',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'connection',
  'upgrade',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
];

/** Throws a {@link ValidationError}; a one-line form for the renderers' many checks. */
export function fail(path: string, what: string, value: unknown, allowed: string, fix: string): never {
  throw new ValidationError({ path, what, value, allowed, fix });
}

/** A pool named by its name, or any object with a `name` (an `IBalancerPool`). */
export type PoolRef = string | { readonly name: string };

/** The name of a pool reference. */
export function poolName(ref: PoolRef): string {
  return typeof ref === 'string' ? ref : ref?.name;
}

/** The resolved pool a reference names; a ValidationError listing the pools when there is none. */
export function findPool<P extends { readonly name: string }>(
  path: string,
  what: string,
  ref: PoolRef,
  pools: readonly P[],
): P {
  const name = poolName(ref);
  const pool = pools.find((p) => p.name === name);
  if (!pool) {
    fail(
      path,
      what,
      name,
      pools.length ? pools.map((p) => JSON.stringify(p.name)).join(', ') : 'no pools yet',
      'add the pool to `pools`, or fix the name',
    );
  }
  return pool;
}

/**
 * Checks the extra request headers of a listener (`requestHeaders`): only on layer-7 listeners,
 * names of letters, digits, `-`, `_` and `.`, none of the headers webfarm sets itself, values
 * without control characters. Returns the entries in order.
 */
export function checkRequestHeaders(
  path: string,
  headers: Readonly<Record<string, string>> | undefined,
  layer4: boolean,
  allowedListeners: string,
): Array<readonly [name: string, value: string]> {
  return Object.entries(headers ?? {}).map(([name, value]) => {
    if (layer4)
      fail(path, 'requestHeaders on a layer-4 listener', name, allowedListeners, 'drop requestHeaders');
    checkHeaderName(path, 'requestHeaders name', name);
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
      fail(
        path,
        'requestHeaders name',
        name,
        'letters, digits, "-", "_" and "."',
        'name the header like "X-Request-Source"',
      );
    }
    if (RESERVED_REQUEST_HEADERS.includes(name.toLowerCase())) {
      fail(
        path,
        'requestHeaders name',
        name,
        `a header other than ${RESERVED_REQUEST_HEADERS.join(', ')}`,
        'webfarm sets the forwarding and connection headers itself; choose another header',
      );
    }
    checkHeaderValue(value, { path, what: `requestHeaders[${JSON.stringify(name)}]` });
    return [name, value] as const;
  });
}
