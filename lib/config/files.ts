import type { HostFile } from '../core/host-file';

/**
 * A configuration file a renderer produced: where it goes on the host and what it says.
 *
 * Every renderer in `lib/config` returns a list of these, so a deliverer (cloud-init
 * `write_files`, or the in-place SSH push of DESIGN decision 5) writes them all the same way.
 * The content may still hold Terraform token markers (a worker's IP); escaping for Terraform
 * happens once, where the text enters a resource. A view of the one file type, `HostFile`: the
 * content ends with a newline, and files that hold a secret (a password) are `0600`.
 */
export type RenderedFile = Pick<HostFile, 'path' | 'content' | 'mode'>;
