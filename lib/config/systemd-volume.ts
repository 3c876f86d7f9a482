import { checkAbsolutePath, renderSystemdUnit } from './systemd';
import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';

/**
 * The data-volume bootstrap every stateful host runs at first boot (DESIGN decision 8): wait for
 * the attached volume, make a filesystem ONLY when the device carries no signature at all
 * (`blkid -p` finds nothing), add an fstab line by device path with `nofail`, mount it. An
 * existing filesystem (a re-attached volume after the instance was replaced) is never touched.
 */

/** Where the script is installed on the host. */
export const PREPARE_VOLUME_PATH = '/usr/local/sbin/webfarm-prepare-volume';

/**
 * The script (static text; per-host values are its arguments):
 * `webfarm-prepare-volume DEVICE MOUNTPOINT [OWNER]`.
 *
 * Environment overrides, for tests: `WEBFARM_FSTAB` (default `/etc/fstab`),
 * `WEBFARM_DEVICE_WAIT` (seconds to wait for the device, default 600).
 */
export function renderPrepareVolumeScript(): string {
  return `#!/bin/bash
# webfarm-prepare-volume DEVICE MOUNTPOINT [OWNER]
# Written by webfarm. Prepares a data volume at first boot and after every re-attachment:
#  - waits for DEVICE (the attachment is a separate resource and may come after boot);
#  - makes an ext4 filesystem ONLY when DEVICE carries no signature at all (blkid -p finds
#    nothing): an existing filesystem, partition table or pool is never reformatted;
#  - adds "DEVICE MOUNTPOINT ext4 defaults,nofail,... 0 2" to fstab once, and mounts it;
#  - optionally gives the mount point to OWNER (user:group).
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 DEVICE MOUNTPOINT [OWNER]" >&2
  exit 64
fi
device=$1
mountpoint_dir=$2
owner=\${3:-}
fstab=\${WEBFARM_FSTAB:-/etc/fstab}
wait_seconds=\${WEBFARM_DEVICE_WAIT:-600}

waited=0
until [[ -e $device ]]; do
  if ((waited >= wait_seconds)); then
    echo "webfarm-prepare-volume: $device did not appear within \${wait_seconds}s; is the volume attached?" >&2
    exit 1
  fi
  sleep 2
  waited=$((waited + 2))
done

set +e
blkid -p "$device" >/dev/null 2>&1
probe=$?
set -e
case $probe in
  0)
    echo "webfarm-prepare-volume: $device already holds data; keeping it"
    ;;
  2)
    echo "webfarm-prepare-volume: $device is blank; making an ext4 filesystem"
    mkfs.ext4 -q -L webfarm-data "$device"
    ;;
  *)
    echo "webfarm-prepare-volume: blkid -p $device failed (status $probe); refusing to touch it" >&2
    exit 1
    ;;
esac

mkdir -p "$mountpoint_dir"
if ! awk -v m="$mountpoint_dir" '$1 !~ /^#/ && $2 == m { found = 1 } END { exit !found }' "$fstab" 2>/dev/null; then
  printf '%s %s ext4 defaults,nofail,x-systemd.device-timeout=120s 0 2\\n' "$device" "$mountpoint_dir" >>"$fstab"
fi
if ! mountpoint -q "$mountpoint_dir"; then
  mount "$mountpoint_dir"
fi
if [[ -n $owner ]]; then
  chown "$owner" "$mountpoint_dir"
fi
echo "webfarm-prepare-volume: $device mounted on $mountpoint_dir"
`;
}

/**
 * The `runcmd` entry that runs the script: an exec'd argument list, so no value is ever parsed
 * by a shell. `device` is usually a Terraform reference (`/dev/disk/by-id/virtio-…`).
 */
export function prepareVolumeCommand(device: string, mountPoint: string, owner?: string): string[] {
  checkAbsolutePath('data volume', 'mount point', mountPoint);
  if (!isUnresolved(device)) checkAbsolutePath('data volume', 'device', device);
  if (owner !== undefined && !/^[a-z_][a-z0-9_-]*(:[a-z_][a-z0-9_-]*)?$|^[0-9]+:[0-9]+$/.test(owner)) {
    throw new ValidationError({
      path: 'data volume',
      what: 'owner',
      value: owner,
      allowed: '"user", "user:group" or "uid:gid"',
      fix: 'name the user (and group) that should own the mount point',
    });
  }
  return [PREPARE_VOLUME_PATH, device, mountPoint, ...(owner !== undefined ? [owner] : [])];
}

/**
 * A systemd drop-in that makes `service` start only once `mountPoint` is mounted (and stop if it
 * goes away), so a daemon never serves or writes the empty folder under a data volume that
 * failed to attach (`nofail` lets the host boot without it). With `readWrite`, the daemon may
 * write there even under a hardened unit (`ReadWritePaths`).
 */
export function serviceRequiresMountDropIn(
  service: string,
  mountPoint: string,
  options: { readonly readWrite?: boolean } = {},
): { readonly path: string; readonly content: string } {
  checkAbsolutePath(`${service} drop-in`, 'mount point', mountPoint);
  const unit = renderSystemdUnit({
    name: 'webfarm.conf',
    sections: [
      { name: 'Unit', directives: [['RequiresMountsFor', mountPoint]] },
      ...(options.readWrite
        ? [{ name: 'Service', directives: [['ReadWritePaths', mountPoint] as const] }]
        : []),
    ],
  });
  return {
    path: `/etc/systemd/system/${service}.service.d/webfarm.conf`,
    content: `# webfarm: ${service} starts only with its data volume mounted at ${mountPoint}.\n${unit}`,
  };
}
