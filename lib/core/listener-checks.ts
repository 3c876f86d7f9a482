import { ValidationError } from './errors';
import { checkCidr, checkInteger } from './validate';

// Listener rules with one wording everywhere: the core model checks them for every backend, and
// the nginx and HAProxy renderers (which can be called on their own, through webfarm/config)
// call the same functions. Pure: lib/config may import it.

/**
 * Throws unless `allowedCidrs` is left out or a non-empty list of CIDR blocks (each checked by
 * {@link checkCidr}).
 */
export function checkAllowedCidrs(path: string, allowedCidrs: unknown): void {
  if (allowedCidrs === undefined) return;
  if (!Array.isArray(allowedCidrs)) {
    throw new ValidationError({
      path,
      what: 'allowedCidrs',
      value: allowedCidrs,
      allowed: 'a list of CIDR blocks',
      fix: 'write it as a list, e.g. ["0.0.0.0/0"]',
    });
  }
  for (const cidr of allowedCidrs) checkCidr(path, 'allowedCidrs entry', cidr as string);
  if (allowedCidrs.length === 0) {
    throw new ValidationError({
      path,
      what: 'allowedCidrs',
      value: [],
      allowed: 'a non-empty list of CIDR blocks, or leave it out (private networks only)',
      fix: 'list who may connect, e.g. ["0.0.0.0/0"] for the internet',
    });
  }
}

/** Throws for a routing rule (at `where`) of a layer-4 listener of `protocol`. */
export function refuseLayer4Rule(where: string, protocol: string): never {
  throw new ValidationError({
    path: where,
    what: 'routing rule on a layer-4 listener',
    value: protocol,
    allowed: 'routing rules on http or https (terminated) listeners',
    fix: 'make the listener speak HTTP, or route by port with separate listeners',
  });
}

/**
 * Throws unless an HSTS `max-age` is whole seconds from 1 to two years (the core model, and the
 * nginx and HAProxy renderers for callers of `webfarm/config`, check it with this one rule).
 */
export function checkHstsMaxAge(path: string, seconds: number): void {
  checkInteger(
    path,
    'tls.hstsMaxAgeSeconds',
    seconds,
    1,
    63072000,
    'give whole seconds (HSTS max-age is an integer), e.g. 31536000',
  );
}
