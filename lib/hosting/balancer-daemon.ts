import { BalancerCapabilities } from '../core/balancing';
import { IBalancerListener, IBalancerPool } from '../core/balancer';
import { ManagedDirectory } from '../config/delivery';
import { RenderedFile } from '../config/files';

/**
 * Where a balancer daemon runs, which fixes its paths, its user and how its modules load:
 *
 * - `debian-host`: the distribution's package on a Debian or Ubuntu host (nginx as `www-data`,
 *   the stream module from `libnginx-mod-stream`, `/etc/haproxy/haproxy.cfg`, chroot);
 * - `official-image`: the official Docker image (`nginx` as user `nginx` with stream built in,
 *   temporary files under `/var/cache/nginx`; `haproxy` as user `haproxy` reading
 *   `/usr/local/etc/haproxy/haproxy.cfg`, no chroot, logs to stdout).
 */
export type DaemonPlatform = 'debian-host' | 'official-image';

/** The files of a balancer daemon for one state of the pools and listeners. */
export interface BalancerFiles {
  /** Files that only change with global settings (a host's first boot writes them). */
  readonly base: RenderedFile[];
  /** Files that change with pools and listeners (pushed in place, or uploaded). */
  readonly pools: RenderedFile[];
}

/**
 * A balancer daemon (nginx, HAProxy) described once for every backend that runs it: what it
 * can do, where its files go, how they are checked and reloaded, and how the core pool/listener
 * model becomes its files. The OpenStack hosts and the Docker containers use the same
 * description, so both render the same per-pool files.
 */
export interface BalancerDaemon {
  /** Configuration and systemd unit name: `nginx`, `haproxy`. */
  readonly name: 'nginx' | 'haproxy';
  /** Host role for `webfarm configs` and reviews: `nginx-balancer`. */
  readonly role: string;
  /** What it can do. */
  readonly capabilities: BalancerCapabilities;
  /** Debian/Ubuntu packages (a host installs them; an image has them). */
  readonly packages: string[];
  /** The master process's pid file (the keepalived track script watches it). */
  readonly pidFile: string;
  /** Checks the configuration. */
  readonly check: string;
  /** The path of the file `check` validates. */
  readonly mainConfig: string;
  /** Directories where only pushed files may remain. */
  readonly managedDirectories: ManagedDirectory[];
  /** Port of the status page (stub_status, stats). */
  readonly statusPort: number;
  /**
   * Renders the files for these pools and listeners; a mistake only the daemon's renderer finds
   * is a ValidationError whose path starts with `path` (the balancer's construct path).
   */
  render(
    pools: readonly IBalancerPool[],
    listeners: readonly IBalancerListener[],
    path: string,
  ): BalancerFiles;
  /** The file of `pool`. */
  poolFile(pool: IBalancerPool): string;
  /** How the hosts are changed once a pool is run-time managed. */
  readonly runtime: RuntimeDaemon;
}

/** What run-time pools need of a daemon (see `PoolOptions.runtimeManaged`). */
export interface RuntimeDaemon {
  /** The check the run-time client runs after changing a pool file. */
  readonly check: string;
  /** The graceful reload the run-time client runs (nginx) or uses to create a backend (HAProxy). */
  readonly reload: string;
  /** The push's check while run-time pools exist. */
  readonly pushCheck: string;
  /** The push's reload while run-time pools exist. */
  readonly pushReload: string;
  /** Further files the push installs while run-time pools exist (HAProxy's systemd drop-in). */
  readonly extraFiles: RenderedFile[];
  /** HAProxy's runtime API socket. */
  readonly adminSocket?: string;
}

/** The folder of the host-side locks the push and the run-time client share. */
export const RUNTIME_LOCK_DIR = '/run/lock/webfarm';
