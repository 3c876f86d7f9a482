import { Construct } from 'constructs';
import { Image } from '@cdktf/provider-docker/lib/image';
import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';
import { DOCKER_PROVIDER } from './provider';
import { ensureProvider } from '../core/providers';

/**
 * The default images, pinned by tag: the official `nginx`, `haproxy` and `redis` images. The
 * rendered configuration follows their conventions (paths, users, stream built into nginx).
 */
export const DEFAULT_IMAGES = {
  nginx: 'nginx:1.27',
  haproxy: 'haproxy:3.0',
  redis: 'redis:7.4',
} as const;

/**
 * A `docker_image` for `name` under `scope` (id `Image`), kept in the engine when the stack is
 * destroyed (`keep_locally`): images are shared with everything else on the machine.
 */
export function containerImage(scope: Construct, name: string): Image {
  if (!isUnresolved(name) && (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._/:@-]*$/.test(name))) {
    throw new ValidationError({
      path: scope.node.path,
      what: 'image',
      value: name,
      allowed: 'an image reference such as "nginx:1.27" or "registry.example.org/app:2.1"',
      fix: 'name the image with a tag (lowercase)',
    });
  }
  ensureProvider(scope, DOCKER_PROVIDER);
  return new Image(scope, 'Image', { name, keepLocally: true });
}
