/**
 * A configuration file a renderer produced: where it goes on the host and what it says.
 *
 * Every renderer in `lib/config` returns a list of these, so a deliverer (cloud-init
 * `write_files`, or the in-place SSH push of DESIGN decision 5) writes them all the same way.
 * The content may still hold Terraform token markers (a worker's IP); escaping for Terraform
 * happens once, where the text enters a resource.
 */
export interface RenderedFile {
  /** Absolute path on the host, e.g. `/etc/nginx/webfarm/pools/web.conf`. */
  readonly path: string;
  /** The file's text, ending with a newline. */
  readonly content: string;
  /**
   * Octal mode; files that hold a secret (a password) are `0600`.
   * @default '0644'
   */
  readonly mode?: string;
}
