import { escapeTerraformTemplate } from './escape';

export type { HostFile } from './host-file';
import type { HostFile } from './host-file';

/** A pool of a balancer host as the run-time client (`webfarm nodes`) sees it. */
export interface RuntimePoolRecord {
  /** Pool name. */
  readonly name: string;
  /** Its file on the host. */
  readonly file: string;
  /** Changed at run time (true) or owned by Terraform (false). */
  readonly runtimeManaged: boolean;
}

/** What the run-time client needs to change a balancer host's pools (recorded with its push). */
export interface RuntimeManifest {
  /** Construct path of the balancer (`stack/Balancer`). */
  readonly balancer: string;
  /** The daemon. */
  readonly daemon: 'nginx' | 'haproxy';
  /** Every pool, run-time managed or Terraform's. */
  readonly pools: readonly RuntimePoolRecord[];
  /** The check command (`nginx -t`, `haproxy -c -f … -f <pools dir>`). */
  readonly check: string;
  /** The graceful reload command. */
  readonly reload: string;
  /** HAProxy's runtime API socket. */
  readonly adminSocket?: string;
  /** Folder of the host-side lock files the push and the run-time client share. */
  readonly lockDir: string;
}

/** What webfarm puts on one host through one channel, recorded in the synthesized stack. */
export interface HostManifest {
  /** Host name (unique in the stack; several manifests with one host name are merged). */
  readonly host: string;
  /** What the host is: `nginx-balancer`, `worker`, `redis`, `nfs`, … */
  readonly role: string;
  /** `cloud-init` (first boot only) or `ssh` (pushed in place on every change). */
  readonly delivery: 'cloud-init' | 'ssh';
  /** The files. */
  readonly files: HostFile[];
  /**
   * For balancer hosts: the pools and what the run-time client needs.
   * @default - none
   */
  readonly runtime?: RuntimeManifest;
}

/** The key under the resource's `//` comment block that holds a {@link HostManifest}. */
export const HOST_MANIFEST_KEY = 'webfarm';

/**
 * Where a recorded file's text is, when it is not inline: the `content` of the resource's
 * `file` provisioner with this `destination` (the SSH push uploads every file once; the
 * manifest points at the upload rather than holding a second copy).
 */
export interface UploadedContent {
  /** The `destination` of the `file` provisioner that carries the text. */
  readonly upload: string;
}

/**
 * The record of which files a resource puts on a host, for its `"//"` block (which Terraform
 * ignores): `webfarm configs` and `webfarm review` read it back from `cdktf.out` to show exactly
 * what lands on each host. Content is Terraform-escaped like an attribute, so references stay
 * distinguishable from literal `${`; `contents` gives, per file, that text already escaped (and
 * its references resolved) or where the resource's upload of it is.
 */
export function hostManifestValue(
  manifest: HostManifest,
  contents?: readonly (string | UploadedContent)[],
): Record<string, unknown> {
  return {
    host: manifest.host,
    role: manifest.role,
    delivery: manifest.delivery,
    files: manifest.files.map((f, i) => ({
      path: f.path,
      owner: f.owner ?? 'root:root',
      mode: f.mode ?? '0644',
      ...(f.check ? { check: f.check } : {}),
      ...(f.createOnly ? { createOnly: true } : {}),
      content: contents?.[i] ?? escapeTerraformTemplate(f.content),
    })),
    ...(manifest.runtime ? { runtime: manifest.runtime } : {}),
  };
}
