import { escapeTerraformTemplate } from './escape';

/** One file webfarm puts on a host. */
export interface HostFile {
  /** Absolute path on the host. */
  readonly path: string;
  /** The text (may contain Terraform references). */
  readonly content: string;
  /**
   * `user:group`.
   * @default 'root:root'
   */
  readonly owner?: string;
  /**
   * Octal mode.
   * @default '0644'
   */
  readonly mode?: string;
  /**
   * The command that checks the file on the host (`nginx -t -c /etc/nginx/nginx.conf`).
   * @default - none
   */
  readonly check?: string;
  /**
   * Installed only when the host has no file at `path` yet (a run-time pool's file: the push
   * creates it, and never overwrites what the run-time client wrote since).
   * @default false
   */
  readonly createOnly?: boolean;
}

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

/** Anything with cdktf's `addOverride` (every resource). */
export interface Overridable {
  /** cdktf's raw override. */
  addOverride(path: string, value: unknown): void;
}

/**
 * The value webfarm records under a resource's `"//"` block (which Terraform ignores) for the
 * files it puts on a host: `webfarm configs` reads it back from `cdktf.out` to show exactly what
 * lands on each host. Content is Terraform-escaped like an attribute, so references stay
 * distinguishable from literal `${`; `escapedContents` gives that text already escaped (and
 * its references resolved), one entry per file.
 */
export function hostManifestValue(manifest: HostManifest, escapedContents?: readonly string[]): unknown {
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
      content: escapedContents?.[i] ?? escapeTerraformTemplate(f.content),
    })),
    ...(manifest.runtime ? { runtime: manifest.runtime } : {}),
  };
}

/**
 * Records which files `resource` puts on a host: {@link hostManifestValue} under the resource's
 * `"//"` block.
 */
export function recordHostManifest(
  resource: Overridable,
  manifest: HostManifest,
  escapedContents?: readonly string[],
): void {
  resource.addOverride(`//.${HOST_MANIFEST_KEY}`, hostManifestValue(manifest, escapedContents));
}
