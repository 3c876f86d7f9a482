import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';
import { requireTokenText } from '../core/token-rules';
import { checkInteger } from '../core/validate';
import { checkAbsolutePath, renderShellSettings, renderSystemdUnit, SystemdUnit } from './systemd';

/**
 * ZFS replication (the seed `nsboot-load-balancing.md`'s `zfs send -R | ssh … zfs receive -F`):
 * a pool on a data volume per host, a primary that snapshots and sends incrementally on a
 * systemd timer, replicas that accept exactly one command over SSH, and a promote script.
 *
 * The scripts are static text (shellcheck-clean); per-deployment values live in bash-sourced
 * settings files rendered with quoting, so no value can change a script's meaning.
 */

/** Where the scripts, settings and state live on the hosts. */
export const ZFS_PATHS = {
  /** The pool bootstrap (both roles). */
  poolScript: '/usr/local/sbin/webfarm-zfs-pool',
  /** The replication run (primary). */
  replicateScript: '/usr/local/sbin/webfarm-zfs-replicate',
  /** The promote command (replicas). */
  promoteScript: '/usr/local/sbin/webfarm-zfs-promote',
  /** Settings of the replication run (primary). */
  replicationSettings: '/etc/webfarm/zfs-replication.conf',
  /** Settings of the promote command (replicas). */
  replicaSettings: '/etc/webfarm/zfs-replica.conf',
  /** The private key the primary sends with (primary). */
  sshKey: '/etc/webfarm/zfs-replication/id_rsa',
  /** The same key, base64 (how it travels through cloud-init as one line). */
  sshKeyBase64: '/etc/webfarm/zfs-replication/id_rsa.b64',
  /** Last snapshot each replica holds, and the replicas' host keys (primary). */
  stateDir: '/var/lib/webfarm-zfs-replication',
  /** `zfs` itself. */
  zfs: '/usr/sbin/zfs',
} as const;

/** The unprivileged user replicas receive as (its only right: `sudo zfs receive -F <dataset>`). */
export const ZFS_RECEIVE_USER = 'zfsrecv';

/** Prefix of the snapshots webfarm makes and prunes; other snapshots are never touched. */
export const ZFS_SNAPSHOT_PREFIX = 'webfarm-';

const POOL = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const DATASET = /^[A-Za-z][A-Za-z0-9_.-]{0,63}(\/[A-Za-z0-9_.-]{1,64})*$/;

/** Throws unless `value` is a ZFS pool name. */
export function checkZfsPool(path: string, value: string): void {
  if (isUnresolved(value)) return;
  if (
    typeof value !== 'string' ||
    !POOL.test(value) ||
    /^(mirror|raidz|draid|spare|log)/.test(value) ||
    /^c[0-9]/.test(value)
  ) {
    throw new ValidationError({
      path,
      what: 'pool name',
      value,
      allowed: 'a letter then letters, digits and "_.-" (not "mirror", "raidz", "spare", "log", …)',
      fix: 'name the pool like "tank" or "nsboot0"',
    });
  }
}

/** Throws unless `value` is a dataset `pool/name[/…]`. */
export function checkZfsDataset(path: string, value: string): void {
  if (isUnresolved(value)) return;
  if (
    typeof value !== 'string' ||
    !DATASET.test(value) ||
    !value.includes('/') ||
    value.split('/').some((part) => part === '.' || part === '..')
  ) {
    throw new ValidationError({
      path,
      what: 'dataset',
      value,
      allowed: '"pool/name" of letters, digits and "_.-" (no "." or ".." parts), e.g. "nsboot0/images"',
      fix: 'name a dataset inside the pool (the pool root cannot be replicated with -R -I here)',
    });
  }
  checkZfsPool(path, value.split('/')[0]);
}

/** Settings of the replication run on the primary. */
export interface ZfsReplicationSettings {
  /** The dataset to snapshot and send, `pool/name`. */
  readonly dataset: string;
  /** The replicas' addresses (usually Terraform references). */
  readonly replicas: readonly string[];
  /**
   * The dataset on the replicas.
   * @default - the same name as `dataset`
   */
  readonly remoteDataset?: string;
  /**
   * How many webfarm snapshots to keep on the primary (the replicas follow: `receive -F` of a
   * `-R` stream drops what the sender dropped). A snapshot a replica still needs as its base is
   * always kept.
   * @default 48
   */
  readonly keepSnapshots?: number;
}

/** The primary's `/etc/webfarm/zfs-replication.conf`. */
export function renderZfsReplicationSettings(
  settings: ZfsReplicationSettings,
  path = 'zfs replication',
): string {
  checkZfsDataset(path, settings.dataset);
  if (settings.remoteDataset !== undefined) checkZfsDataset(path, settings.remoteDataset);
  if (settings.replicas.length === 0) {
    throw new ValidationError({
      path,
      what: 'replicas',
      value: [],
      allowed: 'one or more replica addresses',
      fix: 'add at least one replica',
    });
  }
  for (const r of settings.replicas) {
    if (!isUnresolved(r) && !/^[A-Za-z0-9.:-]+$/.test(r)) {
      throw new ValidationError({
        path,
        what: 'replica address',
        value: r,
        allowed: 'an IP address or host name',
        fix: "give the replica's private address",
      });
    }
  }
  const keep = settings.keepSnapshots ?? 48;
  checkInteger(path, 'keepSnapshots', keep, 2, 100000, 'keep at least 2 snapshots, e.g. 48');
  return renderShellSettings('Settings of webfarm-zfs-replicate, written by webfarm.', [
    ['DATASET', settings.dataset],
    ['REMOTE_DATASET', settings.remoteDataset ?? settings.dataset],
    ['REPLICAS', settings.replicas],
    ['REMOTE_USER', ZFS_RECEIVE_USER],
    ['SSH_KEY', ZFS_PATHS.sshKey],
    ['STATE_DIR', ZFS_PATHS.stateDir],
    ['KEEP', String(keep)],
  ]);
}

/**
 * The primary's replication run, `webfarm-zfs-replicate` (static; reads its settings file):
 * one run at a time (`flock`), a recursive snapshot `DATASET@webfarm-<UTC timestamp>`, then per
 * replica a full `zfs send -R` the first time and `zfs send -R -I @<last snapshot that replica
 * received>` afterwards, piped over SSH to the replica's forced `zfs receive -F`; finally old
 * webfarm snapshots are pruned, never one a replica still needs as its base.
 */
export function renderZfsReplicateScript(): string {
  return `#!/bin/bash
# webfarm-zfs-replicate: snapshot a ZFS dataset and send it incrementally to the replicas.
# Written by webfarm. Settings: /etc/webfarm/zfs-replication.conf (WEBFARM_ZFS_SETTINGS overrides).
# Run by webfarm-zfs-replicate.timer; safe to run by hand (runs never overlap).
set -euo pipefail

settings=\${WEBFARM_ZFS_SETTINGS:-${ZFS_PATHS.replicationSettings}}
# shellcheck source=/dev/null
. "$settings"
: "\${DATASET:?DATASET is not set in $settings}"
: "\${REMOTE_DATASET:?REMOTE_DATASET is not set in $settings}"
: "\${REMOTE_USER:?REMOTE_USER is not set in $settings}"
: "\${SSH_KEY:?SSH_KEY is not set in $settings}"
: "\${STATE_DIR:?STATE_DIR is not set in $settings}"
: "\${KEEP:?KEEP is not set in $settings}"
if [[ $(declare -p REPLICAS 2>/dev/null) != "declare -a"* ]]; then
  echo "webfarm-zfs-replicate: REPLICAS must be an array in $settings" >&2
  exit 1
fi

mkdir -p "$STATE_DIR"
chmod 0700 "$STATE_DIR"
exec 9>"$STATE_DIR/lock"
if ! flock -n 9; then
  echo "webfarm-zfs-replicate: another run is in progress; not starting a second one" >&2
  exit 0
fi

prefix=${ZFS_SNAPSHOT_PREFIX}
snapshot="\${prefix}$(date -u +%Y%m%dT%H%M%SZ)"
zfs snapshot -r "\${DATASET}@\${snapshot}"
echo "webfarm-zfs-replicate: made \${DATASET}@\${snapshot}"

ssh_options=(
  -i "$SSH_KEY"
  -o BatchMode=yes
  -o IdentitiesOnly=yes
  -o StrictHostKeyChecking=accept-new
  -o UserKnownHostsFile="$STATE_DIR/known_hosts"
  -o ConnectTimeout=20
  -o ServerAliveInterval=30
  -o ServerAliveCountMax=4
)

failed=0
for replica in "\${REPLICAS[@]}"; do
  state_file="$STATE_DIR/last-$replica"
  base=""
  if [[ -s $state_file ]]; then
    base=$(<"$state_file")
  fi
  if [[ -n $base ]] && zfs list -H -o name -t snapshot "\${DATASET}@\${base}" >/dev/null 2>&1; then
    send=(zfs send -R -I "@\${base}" "\${DATASET}@\${snapshot}")
    kind="incremental from @\${base}"
  else
    send=(zfs send -R "\${DATASET}@\${snapshot}")
    kind="full"
  fi
  # The replica's forced command is "zfs receive -F REMOTE_DATASET" whatever is asked here;
  # the command is expanded here on purpose (it names the dataset for the replica's logs).
  # shellcheck disable=SC2029
  if "\${send[@]}" | ssh "\${ssh_options[@]}" "\${REMOTE_USER}@\${replica}" "zfs receive -F \${REMOTE_DATASET}"; then
    printf '%s\\n' "$snapshot" >"$state_file.new"
    mv "$state_file.new" "$state_file"
    echo "webfarm-zfs-replicate: $replica has @\${snapshot} ($kind)"
  else
    failed=1
    echo "webfarm-zfs-replicate: sending to $replica failed ($kind); it keeps @\${base:-nothing}" >&2
    if [[ -n $base ]]; then
      echo "webfarm-zfs-replicate: if $replica lost @\${base} (rebuilt), delete $state_file to send in full" >&2
    fi
  fi
done

# Prune: keep the newest KEEP webfarm snapshots and every replica's base.
declare -A needed=()
for replica in "\${REPLICAS[@]}"; do
  state_file="$STATE_DIR/last-$replica"
  if [[ -s $state_file ]]; then
    needed["$(<"$state_file")"]=1
  fi
done
mapfile -t ours < <(zfs list -H -t snapshot -o name -s creation -d 1 "$DATASET" |
  sed -n "s|^\${DATASET}@\\(\${prefix}[0-9]\\{8\\}T[0-9]\\{6\\}Z\\)$|\\1|p")
excess=$((\${#ours[@]} - KEEP))
for ((i = 0; i < excess; i++)); do
  name=\${ours[i]}
  if [[ -z \${needed[$name]:-} ]]; then
    zfs destroy -r "\${DATASET}@\${name}"
  fi
done

exit "$failed"
`;
}

/** Settings of the promote command on a replica. */
export interface ZfsReplicaSettings {
  /** The replicated dataset on this replica. */
  readonly dataset: string;
}

/** A replica's `/etc/webfarm/zfs-replica.conf`. */
export function renderZfsReplicaSettings(settings: ZfsReplicaSettings, path = 'zfs replica'): string {
  checkZfsDataset(path, settings.dataset);
  return renderShellSettings('Settings of webfarm-zfs-promote, written by webfarm.', [
    ['DATASET', settings.dataset],
    ['RECEIVE_USER', ZFS_RECEIVE_USER],
  ]);
}

/**
 * `webfarm-zfs-promote --yes`, on a replica: stops accepting replication (expires the receive
 * user, ends a receive in progress) and makes the dataset writable. Run it after the old
 * primary is stopped; then point clients (and, if you keep replicating, the construct's
 * `primary`) at this host.
 */
export function renderZfsPromoteScript(): string {
  return `#!/bin/bash
# webfarm-zfs-promote --yes: turn this ZFS replica into a writable copy.
# Written by webfarm. Settings: /etc/webfarm/zfs-replica.conf (WEBFARM_ZFS_SETTINGS overrides).
#  1. stop the old primary first (or at least: systemctl disable --now webfarm-zfs-replicate.timer);
#  2. run this on the replica that should take over;
#  3. point the clients at this host.
set -euo pipefail

if [[ \${1:-} != "--yes" ]]; then
  echo "usage: $0 --yes   (stops replication into this host and makes its dataset writable)" >&2
  exit 64
fi
settings=\${WEBFARM_ZFS_SETTINGS:-${ZFS_PATHS.replicaSettings}}
# shellcheck source=/dev/null
. "$settings"
: "\${DATASET:?DATASET is not set in $settings}"
: "\${RECEIVE_USER:?RECEIVE_USER is not set in $settings}"

# No more receives: the replication key's user can no longer log in.
usermod --expiredate 1 "$RECEIVE_USER"
pkill -u "$RECEIVE_USER" || true
zfs set readonly=off "$DATASET"
echo "webfarm-zfs-promote: $DATASET is writable and no longer receives replication."
echo "webfarm-zfs-promote: newest snapshot: $(zfs list -H -t snapshot -o name -s creation -d 1 "$DATASET" | tail -n 1)"
`;
}

/**
 * `webfarm-zfs-pool DEVICE POOL MOUNTPOINT primary|replica DATASET`, at first boot (and after a
 * re-attachment): the pool is imported if it exists (`zpool import`, forced when the replaced
 * instance it was last used by never exported it), created only when the
 * device carries no signature at all, and never destroyed. The primary creates DATASET if it
 * is missing; a replica marks its pool root `readonly=on` (received datasets inherit it) and
 * lets replication create DATASET.
 */
export function renderZfsPoolScript(): string {
  return `#!/bin/bash
# webfarm-zfs-pool DEVICE POOL MOUNTPOINT primary|replica DATASET
# Written by webfarm. Imports the pool when it exists, creates it ONLY on a blank device, never
# destroys anything. WEBFARM_DEVICE_WAIT: seconds to wait for the device (default 600).
set -euo pipefail

if [[ $# -ne 5 || ( $4 != primary && $4 != replica ) ]]; then
  echo "usage: $0 DEVICE POOL MOUNTPOINT primary|replica DATASET" >&2
  exit 64
fi
device=$1
pool=$2
mountpoint_dir=$3
role=$4
dataset=$5
wait_seconds=\${WEBFARM_DEVICE_WAIT:-600}

modprobe zfs
waited=0
until [[ -e $device ]]; do
  if ((waited >= wait_seconds)); then
    echo "webfarm-zfs-pool: $device did not appear within \${wait_seconds}s; is the volume attached?" >&2
    exit 1
  fi
  sleep 2
  waited=$((waited + 2))
done

if zpool list -H -o name "$pool" >/dev/null 2>&1; then
  echo "webfarm-zfs-pool: $pool is imported"
elif zpool import -d /dev/disk/by-id "$pool"; then
  echo "webfarm-zfs-pool: imported the existing pool $pool"
# A replaced instance never exported its pool, and this one may have another hostid: zpool then
# calls the pool "in use from another system". The volume attaches to one instance at a time,
# so the instance it was attached to is gone: take the pool over.
elif zpool import -f -d /dev/disk/by-id "$pool"; then
  echo "webfarm-zfs-pool: imported the existing pool $pool (last used by a replaced instance)"
else
  set +e
  blkid -p "$device" >/dev/null 2>&1
  probe=$?
  set -e
  if [[ $probe -ne 2 ]]; then
    echo "webfarm-zfs-pool: $device holds data that is not pool $pool (blkid -p status $probe); refusing to touch it" >&2
    exit 1
  fi
  echo "webfarm-zfs-pool: $device is blank; creating pool $pool"
  zpool create -o ashift=12 -O compression=lz4 -O atime=off -O xattr=sa -O acltype=posixacl \\
    -O mountpoint="$mountpoint_dir" "$pool" "$device"
fi

if [[ $role == primary ]]; then
  if ! zfs list -H -o name "$dataset" >/dev/null 2>&1; then
    zfs create -p "$dataset"
  fi
else
  zfs set readonly=on "$pool"
fi
zfs mount -a
echo "webfarm-zfs-pool: $pool ready ($role)"
`;
}

/** The primary's `webfarm-zfs-replicate.service` and `.timer`. */
export function zfsReplicationUnits(
  options: { intervalMinutes?: number; scriptPath?: string } = {},
  path = 'zfs replication',
): SystemdUnit[] {
  const minutes = options.intervalMinutes ?? 15;
  checkInteger(path, 'intervalMinutes', minutes, 1, 10080, 'give the minutes between runs, e.g. 15');
  const script = options.scriptPath ?? ZFS_PATHS.replicateScript;
  checkAbsolutePath(path, 'script path', script);
  return [
    {
      name: 'webfarm-zfs-replicate.service',
      sections: [
        {
          name: 'Unit',
          directives: [
            ['Description', 'webfarm: snapshot the ZFS dataset and send it to the replicas'],
            ['Wants', 'network-online.target'],
            ['After', 'network-online.target zfs.target'],
          ],
        },
        {
          name: 'Service',
          directives: [
            ['Type', 'oneshot'],
            ['ExecStart', script],
            ['Nice', '10'],
            ['IOSchedulingClass', 'best-effort'],
            ['IOSchedulingPriority', '7'],
            ['TimeoutStartSec', '6h'],
            ['PrivateTmp', 'yes'],
            ['NoNewPrivileges', 'yes'],
          ],
        },
      ],
    },
    {
      name: 'webfarm-zfs-replicate.timer',
      sections: [
        {
          name: 'Unit',
          directives: [['Description', `webfarm: ZFS replication every ${minutes} min`]],
        },
        {
          name: 'Timer',
          directives: [
            ['OnBootSec', '5min'],
            ['OnUnitInactiveSec', `${minutes}min`],
            ['RandomizedDelaySec', '30s'],
            ['Unit', 'webfarm-zfs-replicate.service'],
          ],
        },
        { name: 'Install', directives: [['WantedBy', 'timers.target']] },
      ],
    },
  ];
}

/** The rendered unit files, by name. */
export function renderZfsReplicationUnits(
  options: { intervalMinutes?: number; scriptPath?: string } = {},
  path = 'zfs replication',
): Record<string, string> {
  return Object.fromEntries(
    zfsReplicationUnits(options, path).map((u) => [u.name, renderSystemdUnit(u, path)]),
  );
}

/** The command a replica forces on the replication key: exactly one receive, as root via sudo. */
export function zfsReceiveCommand(dataset: string): string {
  checkZfsDataset('zfs replica', dataset);
  return `sudo -n ${ZFS_PATHS.zfs} receive -F ${dataset}`;
}

/** The replica's sudoers rule for {@link ZFS_RECEIVE_USER}: that one command, nothing else. */
export function zfsReceiveSudoRule(dataset: string): string {
  checkZfsDataset('zfs replica', dataset);
  return `ALL=(root) NOPASSWD: ${ZFS_PATHS.zfs} receive -F ${dataset}`;
}

/**
 * The replica's `authorized_keys` line for the primary's key: `restrict` (no pty, no
 * forwarding of any kind, no `~/.ssh/rc`), `from=` the primary's address only, and a forced
 * command that runs `zfs receive -F <dataset>` whatever the client asks for.
 */
export function renderZfsAuthorizedKey(
  options: { publicKey: string; dataset: string; from: string },
  path = 'zfs replica',
): string {
  const key = options.publicKey;
  const keyPattern = /^(ssh-(rsa|ed25519)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( [^\r\n"]*)?$/;
  // A referenced key (a generated keypair's) is the provider's format; Terraform refuses what
  // would change the meaning of the line: a line break (another key) or a quote.
  requireTokenText(key, {
    pattern: '^[^\\x00-\\x1f\\x7f"]*$',
    allowed: 'one OpenSSH public key line without `"`',
    path,
    what: 'public key',
  });
  requireTokenText(options.from, {
    pattern: '^[0-9A-Fa-f.:/]+$',
    allowed: "the primary's IP address or CIDR",
    path,
    what: 'from',
  });
  if (!isUnresolved(key) && !keyPattern.test(key)) {
    throw new ValidationError({
      path,
      what: 'public key',
      value: key,
      allowed: 'one OpenSSH public key line, e.g. "ssh-ed25519 AAAA… comment"',
      fix: 'give the public half of the replication key',
    });
  }
  if (!isUnresolved(options.from) && !/^[0-9A-Fa-f.:/]+$/.test(options.from)) {
    throw new ValidationError({
      path,
      what: 'from',
      value: options.from,
      allowed: "the primary's IP address or CIDR",
      fix: "give the primary's private address",
    });
  }
  return `restrict,from="${options.from}",command="${zfsReceiveCommand(options.dataset)}" ${key}`;
}

/**
 * The systemd drop-in that starts the NFS server only after ZFS mounted its datasets: an export
 * of a dataset that is not mounted yet would serve the empty folder beneath it.
 */
export function renderZfsNfsDropIn(): { readonly path: string; readonly content: string } {
  const unit = renderSystemdUnit({
    name: 'webfarm-zfs.conf',
    sections: [
      {
        name: 'Unit',
        directives: [
          ['Requires', 'zfs-mount.service'],
          ['After', 'zfs-mount.service'],
        ],
      },
    ],
  });
  return {
    path: '/etc/systemd/system/nfs-server.service.d/webfarm-zfs.conf',
    content: `# webfarm: NFS exports the ZFS dataset only once ZFS has mounted it.\n${unit}`,
  };
}
