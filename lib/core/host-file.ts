/**
 * One file webfarm puts on a host: the one file type of webfarm. Renderers return it, the host
 * manifests carry it, and constructs take it (`WorkerGroupProps.files`, a balancer's `files`,
 * `CloudConfig.writeFiles`). Pure: no imports (lib/config uses it).
 *
 * The optional flags say how the file is installed; each place that takes files names the flags
 * it honours and refuses the others with a `ValidationError`, never dropping one silently.
 */
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
   * Octal mode, e.g. `'0640'` (cloud-init calls it `permissions`; webfarm calls it `mode`
   * everywhere).
   * @default '0644' ('0600' for a `secret` file on a balancer host)
   */
  readonly mode?: string;
  /**
   * The command that checks the file on the host (`nginx -t -c /etc/nginx/nginx.conf`). Host
   * manifests only.
   * @default - none
   */
  readonly check?: string;
  /**
   * Installed only when the host has no file at `path` yet (a run-time pool's file: the push
   * creates it, and never overwrites what the run-time client wrote since). Host manifests only.
   * @default false
   */
  readonly createOnly?: boolean;
  /**
   * The content is a secret (a private key): never written to user data. A balancer's `files`
   * only (pushed over SSH).
   * @default false
   */
  readonly secret?: boolean;
  /**
   * Written by cloud-init after users and packages exist (`defer: true`), e.g. for a file owned
   * by a package's user. Cloud-init files only (`writeFiles`, a worker group's `files`).
   * @default false
   */
  readonly defer?: boolean;
}
