import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';
import { checkCidr, checkOneOf, isWorldCidr, isWorldSizedCidr } from '../core/validate';
import { checkAbsolutePath } from './systemd';

/**
 * NFS server and client configuration: `/etc/exports` lines restricted to CIDR blocks with
 * `root_squash` and `sync`, the server's `nfs.conf` drop-in (NFSv4 only, so no rpcbind and one
 * port, tcp/2049), and the clients' fstab entry.
 */

/** One exported directory. */
export interface NfsExport {
  /** The directory on the server (absolute). */
  readonly path: string;
  /**
   * Who may mount it: CIDR blocks (the workers' subnet; may be a Terraform reference). Never
   * `*` or `0.0.0.0/0`.
   */
  readonly clients: readonly string[];
  /**
   * Export read-only.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * `root`: the clients' root becomes `nobody` (`root_squash`); `all`: every client user does
   * (`all_squash`). Squashing cannot be turned off here.
   * @default 'root'
   */
  readonly squash?: 'root' | 'all';
}

/** Renders `/etc/exports`. Checked by `exportfs -ra` (test/config/nfs.test.ts). */
export function renderExports(exports: readonly NfsExport[], path = 'exports'): string {
  const seen = new Set<string>();
  const lines = exports.map((e) => {
    checkAbsolutePath(path, 'export path', e.path);
    if (seen.has(e.path)) {
      throw new ValidationError({
        path,
        what: 'export path',
        value: e.path,
        allowed: 'each path once',
        fix: 'list every client CIDR of one directory in one export',
      });
    }
    seen.add(e.path);
    if (e.squash !== undefined) checkOneOf(path, 'squash', e.squash, ['root', 'all'] as const);
    if (!Array.isArray(e.clients) || e.clients.length === 0) {
      throw new ValidationError({
        path,
        what: `clients of ${e.path}`,
        value: [],
        allowed: "one or more CIDR blocks (the workers' subnet)",
        fix: 'export to the subnet of the machines that mount it',
      });
    }
    const options = [
      e.readOnly ? 'ro' : 'rw',
      'sync',
      'no_subtree_check',
      e.squash === 'all' ? 'all_squash' : 'root_squash',
      'sec=sys',
    ].join(',');
    const clients = e.clients.map((c) => {
      checkExportClient(path, c);
      return `${c}(${options})`;
    });
    return `${e.path} ${clients.join(' ')}`;
  });
  return `# /etc/exports written by webfarm: each export to named networks only, root squashed, sync.\n${lines.join('\n')}\n`;
}

function checkExportClient(path: string, client: string): void {
  if (isUnresolved(client)) return;
  if (client === '*' || isWorldCidr(client) || isWorldSizedCidr(client) || /[*?]/.test(client)) {
    throw new ValidationError({
      path,
      what: 'export client',
      value: client,
      allowed: "a CIDR block of the machines that mount the share (the workers' subnet)",
      fix: 'export to the workers\' subnet, e.g. "10.0.0.0/24", never to the world',
    });
  }
  checkCidr(path, 'export client', client);
}

/** Supported NFS protocol versions (NFSv4 minor versions). */
export type NfsVersion = '4.1' | '4.2';

/**
 * The server's `/etc/nfs.conf.d/webfarm.conf`: NFSv4 only (`vers3=n`), so the server needs no
 * rpcbind, mountd or statd on the network and clients reach it on tcp/2049 alone.
 */
export function renderNfsServerConf(threads = 16): string {
  return [
    '# written by webfarm: NFSv4 only (tcp/2049); rpcbind and NFSv3 are off',
    '[nfsd]',
    `threads=${threads}`,
    'vers2=n',
    'vers3=n',
    'vers4=y',
    'vers4.0=n',
    'vers4.1=y',
    'vers4.2=y',
    'tcp=y',
    'udp=n',
    '',
  ].join('\n');
}

/** One client mount of an export. */
export interface NfsMount {
  /** The server's address (usually a Terraform reference). */
  readonly server: string;
  /** The exported directory on the server. */
  readonly exportPath: string;
  /** Where it appears on the client. */
  readonly mountPoint: string;
  /**
   * NFSv4 minor version.
   * @default '4.2'
   */
  readonly version?: NfsVersion;
  /**
   * Mount read-only.
   * @default false
   */
  readonly readOnly?: boolean;
}

/**
 * The client's fstab entry, as cloud-init `mounts` wants it (six fields). Options: `_netdev`
 * (wait for the network), `nofail` (boot does not hang on a missing server),
 * `x-systemd.automount` (mounted on first access and retried on each access until the server
 * answers), `hard` (I/O waits for the server rather than failing half-written files).
 */
export function renderNfsMountEntry(mount: NfsMount, path = 'nfs mount'): string[] {
  checkAbsolutePath(path, 'export path', mount.exportPath);
  checkAbsolutePath(path, 'mount path', mount.mountPoint);
  if (!isUnresolved(mount.mountPoint) && mount.mountPoint === '/') {
    throw new ValidationError({
      path,
      what: 'mount path',
      value: mount.mountPoint,
      allowed: 'an absolute directory other than "/"',
      fix: 'mount the share on its own directory, e.g. "/srv/images"',
    });
  }
  if (!isUnresolved(mount.server) && !/^[A-Za-z0-9.:-]+$/.test(mount.server)) {
    throw new ValidationError({
      path,
      what: 'server',
      value: mount.server,
      allowed: 'an address or host name',
      fix: "give the NFS server's private address",
    });
  }
  const version = mount.version ?? '4.2';
  if (version !== '4.1' && version !== '4.2') {
    throw new ValidationError({
      path,
      what: 'version',
      value: version,
      allowed: '"4.1" or "4.2" (webfarm serves NFSv4 only)',
      fix: 'use "4.2", or "4.1" for old clients',
    });
  }
  const options = [
    mount.readOnly ? 'ro' : 'rw',
    `vers=${version}`,
    'proto=tcp',
    'hard',
    'timeo=600',
    'retrans=2',
    'noatime',
    '_netdev',
    'nofail',
    'x-systemd.automount',
    'x-systemd.mount-timeout=30s',
  ].join(',');
  return [`${mount.server}:${mount.exportPath}`, mount.mountPoint, 'nfs4', options, '0', '0'];
}
