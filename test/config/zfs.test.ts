import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  renderShellSettings,
  renderSystemdUnit,
  renderZfsAuthorizedKey,
  renderZfsPoolScript,
  renderZfsPromoteScript,
  renderZfsReplicaSettings,
  renderZfsReplicateScript,
  renderZfsReplicationSettings,
  renderZfsReplicationUnits,
  zfsReceiveSudoRule,
} from '../../lib/config';
import { describeWithTools, run, tempDir } from '../support/tools';
import { expectGolden as expectGoldenFile } from '../support/golden';

/** Compares with test/golden/zfs/<name>; `UPDATE_GOLDEN=1` rewrites the file. */
function expectGolden(name: string, text: string): void {
  expectGoldenFile('zfs', name, text);
}

const PUBLIC_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJ3b3Jr2aGVyZS1pcy1ub3QtYS1yZWFsLWtleS0xMjM0 webfarm-zfs-replication';

const SETTINGS = { dataset: 'nsboot0/images', replicas: ['10.0.0.11', '10.0.0.12'], keepSnapshots: 48 };

describe('ZFS replication renderers', () => {
  it('match the golden files', () => {
    expectGolden('webfarm-zfs-replicate', renderZfsReplicateScript());
    expectGolden('webfarm-zfs-pool', renderZfsPoolScript());
    expectGolden('webfarm-zfs-promote', renderZfsPromoteScript());
    expectGolden('zfs-replication.conf', renderZfsReplicationSettings(SETTINGS));
    expectGolden('zfs-replica.conf', renderZfsReplicaSettings({ dataset: 'nsboot0/images' }));
    for (const [name, text] of Object.entries(renderZfsReplicationUnits())) expectGolden(name, text);
    expectGolden(
      'authorized_keys',
      `${renderZfsAuthorizedKey({ publicKey: PUBLIC_KEY, dataset: 'nsboot0/images', from: '10.0.0.10' })}\n`,
    );
  });

  it('snapshot, full send, incremental send -R -I, receive -F, flock: the script says so', () => {
    const script = renderZfsReplicateScript();
    expect(script).toMatch(/^#!\/bin\/bash\n/);
    expect(script).toContain('set -euo pipefail');
    expect(script).toContain('zfs snapshot -r "${DATASET}@${snapshot}"');
    expect(script).toContain('snapshot="${prefix}$(date -u +%Y%m%dT%H%M%SZ)"');
    expect(script).toContain('send=(zfs send -R -I "@${base}" "${DATASET}@${snapshot}")');
    expect(script).toContain('send=(zfs send -R "${DATASET}@${snapshot}")');
    expect(script).toContain('"zfs receive -F ${REMOTE_DATASET}"');
    expect(script).toContain('flock -n 9');
  });

  it('settings quote every value and list the replicas as an array', () => {
    const token = '${TfToken[TOKEN.3]}';
    const text = renderZfsReplicationSettings({ dataset: 'tank/data', replicas: [token, '10.0.0.12'] });
    expect(text).toContain(`REPLICAS=('${token}' 10.0.0.12)\n`);
    expect(text).toContain('KEEP=48\n');
  });

  it('rejects a dataset that is only a pool', () => {
    expect(() => renderZfsReplicationSettings({ ...SETTINGS, dataset: 'nsboot0' })).toThrow(
      'zfs replication: dataset "nsboot0" is not allowed; allowed: "pool/name" of letters, digits and "_.-" (no "." or ".." parts), e.g. "nsboot0/images". Fix: name a dataset inside the pool (the pool root cannot be replicated with -R -I here)',
    );
  });

  it('rejects a dataset with shell characters', () => {
    expect(() => renderZfsReplicationSettings({ ...SETTINGS, dataset: 'tank/$(reboot)' })).toThrow(
      'zfs replication: dataset "tank/$(reboot)" is not allowed',
    );
  });

  it('rejects a reserved pool name', () => {
    expect(() => renderZfsReplicationSettings({ ...SETTINGS, dataset: 'mirror/images' })).toThrow(
      'zfs replication: pool name "mirror" is not allowed; allowed: a letter then letters, digits and "_.-" (not "mirror", "raidz", "spare", "log", …)',
    );
  });

  it('rejects an empty replica list', () => {
    expect(() => renderZfsReplicationSettings({ ...SETTINGS, replicas: [] })).toThrow(
      'zfs replication: replicas [] is not allowed; allowed: one or more replica addresses',
    );
  });

  it('rejects a replica address with a space', () => {
    expect(() => renderZfsReplicationSettings({ ...SETTINGS, replicas: ['10.0.0.1 evil'] })).toThrow(
      'zfs replication: replica address "10.0.0.1 evil" is not allowed',
    );
  });

  it('rejects keeping fewer than 2 snapshots', () => {
    expect(() => renderZfsReplicationSettings({ ...SETTINGS, keepSnapshots: 1 })).toThrow(
      'zfs replication: keepSnapshots 1 is not allowed; allowed: an integer from 2 to 100000',
    );
  });

  it('rejects a zero replication interval', () => {
    expect(() => renderZfsReplicationUnits({ intervalMinutes: 0 })).toThrow(
      'zfs replication: intervalMinutes 0 is not allowed; allowed: an integer from 1 to 10080',
    );
  });

  it('rejects a public key that is not one key line', () => {
    expect(() =>
      renderZfsAuthorizedKey({
        publicKey: 'ssh-ed25519 AAAA\nssh-rsa BBBB',
        dataset: 'tank/a',
        from: '10.0.0.1',
      }),
    ).toThrow('zfs replica: public key "ssh-ed25519 AAAA\\nssh-rsa BBBB" is not allowed');
  });

  it('rejects a from= value that is not an address', () => {
    expect(() =>
      renderZfsAuthorizedKey({ publicKey: PUBLIC_KEY, dataset: 'tank/a', from: '10.0.0.1",command="sh' }),
    ).toThrow('zfs replica: from "10.0.0.1\\",command=\\"sh" is not allowed');
  });

  it('rejects a unit name without a unit suffix', () => {
    expect(() => renderSystemdUnit({ name: 'replicate', sections: [] })).toThrow(
      'systemd unit: unit name "replicate" is not allowed; allowed: letters, digits and ":_.@-" with a unit suffix such as ".service" or ".timer"',
    );
  });

  it('rejects a section name that is not a word', () => {
    expect(() =>
      renderSystemdUnit({ name: 'x.service', sections: [{ name: 'Service]\n[Unit', directives: [] }] }),
    ).toThrow('systemd unit x.service: section name "Service]\\n[Unit" is not allowed');
  });

  it('rejects a directive name with "="', () => {
    expect(() =>
      renderSystemdUnit({
        name: 'x.service',
        sections: [{ name: 'Service', directives: [['ExecStart=/bin/sh', 'x']] }],
      }),
    ).toThrow('systemd unit x.service: directive "ExecStart=/bin/sh" is not allowed');
  });

  it('escapes % so no value becomes a specifier', () => {
    expect(
      renderSystemdUnit({
        name: 'x.service',
        sections: [{ name: 'Service', directives: [['ExecStart', '/bin/date +%s']] }],
      }),
    ).toBe('[Service]\nExecStart=/bin/date +%%s\n');
  });

  it('rejects a settings value with a line break', () => {
    expect(() => renderShellSettings('x', [['DATASET', 'tank/a\nrm -rf /']])).toThrow(
      'shell settings: value of DATASET "tank/a\\nrm -rf /" is not allowed; allowed: one line of text',
    );
  });

  it('rejects a unit value with a line break', () => {
    expect(() =>
      renderSystemdUnit({
        name: 'x.service',
        sections: [{ name: 'Service', directives: [['ExecStart', '/bin/true\nExecStartPost=/bin/sh']] }],
      }),
    ).toThrow(
      'systemd unit x.service: value of ExecStart "/bin/true\\nExecStartPost=/bin/sh" is not allowed',
    );
  });
});

/** Splits an authorized_keys line into its options (quote-aware) and the key. */
function parseAuthorizedKey(line: string): { options: Map<string, string | true>; key: string } {
  const options = new Map<string, string | true>();
  let i = 0;
  while (i < line.length && line[i] !== ' ') {
    const m = /^([a-zA-Z-]+)(="((?:[^"\\]|\\.)*)")?(,|(?= ))/.exec(line.slice(i));
    if (!m) throw new Error(`cannot parse options at ${line.slice(i)}`);
    options.set(m[1], m[3] === undefined ? true : m[3]);
    i += m[0].length;
  }
  return { options, key: line.slice(i + 1) };
}

describe('the replica authorized_keys line', () => {
  it('allows exactly "zfs receive -F <dataset>" from the primary, with everything else off', () => {
    // GIVEN the rendered line
    const line = renderZfsAuthorizedKey({
      publicKey: PUBLIC_KEY,
      dataset: 'nsboot0/images',
      from: '10.0.0.10',
    });
    // WHEN its options are parsed
    const { options, key } = parseAuthorizedKey(line);
    // THEN: one forced command, the primary's address only, restrict (no pty, forwarding, rc)
    expect([...options.keys()].sort()).toEqual(['command', 'from', 'restrict']);
    expect(options.get('restrict')).toBe(true);
    expect(options.get('from')).toBe('10.0.0.10');
    expect(options.get('command')).toBe('sudo -n /usr/sbin/zfs receive -F nsboot0/images');
    expect(key).toBe(PUBLIC_KEY);
    // AND the sudo rule permits that one command line and nothing else
    expect(zfsReceiveSudoRule('nsboot0/images')).toBe(
      'ALL=(root) NOPASSWD: /usr/sbin/zfs receive -F nsboot0/images',
    );
  });
});

describeWithTools(['ssh-keygen', 'visudo'], 'authorized_keys and sudoers read by OpenSSH and sudo', () => {
  it('ssh-keygen reads the line with its options; visudo accepts the sudo rule', () => {
    const dir = tempDir('webfarm-zfs-keys-');
    run('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'webfarm-zfs-replication',
      '-f',
      path.join(dir, 'id'),
    ]);
    const publicKey = fs.readFileSync(path.join(dir, 'id.pub'), 'utf8').trim();
    const file = path.join(dir, 'authorized_keys');
    fs.writeFileSync(
      file,
      `${renderZfsAuthorizedKey({ publicKey, dataset: 'nsboot0/images', from: '10.0.0.10' })}\n`,
    );
    expect(run('ssh-keygen', ['-l', '-f', file])).toMatch(/webfarm-zfs-replication \(ED25519\)/);
    const sudoers = path.join(dir, 'sudoers');
    fs.writeFileSync(sudoers, `zfsrecv ${zfsReceiveSudoRule('nsboot0/images')}\n`);
    expect(run('visudo', ['-c', '-f', sudoers])).toMatch(/parsed OK/);
  });
});

describeWithTools(['shellcheck'], 'ZFS scripts and settings pass shellcheck', () => {
  it.each([
    ['webfarm-zfs-replicate', renderZfsReplicateScript()],
    ['webfarm-zfs-pool', renderZfsPoolScript()],
    ['webfarm-zfs-promote', renderZfsPromoteScript()],
    ['zfs-replication.conf', renderZfsReplicationSettings(SETTINGS)],
    ['zfs-replica.conf', renderZfsReplicaSettings({ dataset: 'nsboot0/images' })],
  ])('%s', (name, text) => {
    const file = path.join(tempDir('webfarm-shellcheck-'), name);
    fs.writeFileSync(file, text);
    const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', file], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describeWithTools(['systemd-analyze'], 'ZFS replication units pass systemd-analyze verify', () => {
  it('verifies the service and the timer with no messages', () => {
    // GIVEN the units, pointing at the rendered script in a temp dir (verify checks ExecStart exists)
    const dir = tempDir('webfarm-units-');
    const script = path.join(dir, 'webfarm-zfs-replicate');
    fs.writeFileSync(script, renderZfsReplicateScript(), { mode: 0o755 });
    const units = renderZfsReplicationUnits({ scriptPath: script });
    for (const [name, text] of Object.entries(units)) fs.writeFileSync(path.join(dir, name), text);
    // WHEN verified
    const result = spawnSync(
      'systemd-analyze',
      ['verify', ...Object.keys(units).map((n) => path.join(dir, n))],
      { encoding: 'utf8' },
    );
    // THEN clean: no unknown keys, no missing binaries
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

/** A folder of fake `zfs`, `ssh`, `date`, … put first on PATH; `state` records what they saw. */
function fakeTools(tools: Record<string, string>): { bin: string; state: string; env: NodeJS.ProcessEnv } {
  const root = tempDir('webfarm-fake-');
  const bin = path.join(root, 'bin');
  const state = path.join(root, 'state');
  fs.mkdirSync(bin);
  fs.mkdirSync(state);
  for (const [name, body] of Object.entries(tools)) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/bash\nset -euo pipefail\nS=${state}\n${body}\n`, {
      mode: 0o755,
    });
  }
  return { bin, state, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } };
}

/** A fake `zfs`: snapshots are lines of $S/snapshots, in creation order; every call is logged. */
const FAKE_ZFS = `
echo "zfs $*" >>"$S/calls"
touch "$S/snapshots"
case $1 in
  snapshot) if grep -qxF "$3" "$S/snapshots"; then echo "exists" >&2; exit 1; fi; echo "$3" >>"$S/snapshots" ;;
  list)
    if [[ " $* " == *" -d 1 "* ]]; then ds=\${*: -1}; grep "^$ds@" "$S/snapshots" || true
    else name=\${*: -1}; grep -qxF "$name" "$S/snapshots" && echo "$name"; fi ;;
  send) echo "STREAM $*" ;;
  destroy) grep -vxF "$3" "$S/snapshots" >"$S/s.new" || true; mv "$S/s.new" "$S/snapshots" ;;
  set) ;;
  *) echo "unexpected zfs $*" >&2; exit 2 ;;
esac`;

/** A fake `ssh`: logs its arguments, stores the stream per host, fails for hosts in $S/down. */
const FAKE_SSH = `
host=""
args=("$@")
for ((i = 0; i < \${#args[@]}; i++)); do
  if [[ \${args[i]} == -i || \${args[i]} == -o ]]; then i=$((i + 1)); continue; fi
  host=\${args[i]}; break
done
echo "ssh $*" >>"$S/ssh.log"
cat >>"$S/received-$host"
if [[ -f "$S/down" ]] && grep -qxF "$host" "$S/down"; then exit 255; fi`;

/** A fake `date` that returns a new second on every call. */
const FAKE_DATE = `
n=$(cat "$S/clock" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" >"$S/clock"
printf '20260101T0000%02dZ\\n' "$n"`;

describe('webfarm-zfs-replicate behaves (fake zfs and ssh on PATH)', () => {
  function setup(keep = 48): { run: () => ReturnType<typeof spawnSync>; state: string; stateDir: string } {
    const fake = fakeTools({ zfs: FAKE_ZFS, ssh: FAKE_SSH, date: FAKE_DATE });
    const dir = tempDir('webfarm-zfs-run-');
    const script = path.join(dir, 'webfarm-zfs-replicate');
    fs.writeFileSync(script, renderZfsReplicateScript(), { mode: 0o755 });
    const settings = path.join(dir, 'zfs-replication.conf');
    const stateDir = path.join(dir, 'state');
    fs.writeFileSync(
      settings,
      renderZfsReplicationSettings({ ...SETTINGS, keepSnapshots: keep }).replace(
        /^STATE_DIR=.*$/m,
        `STATE_DIR=${stateDir}`,
      ),
    );
    return {
      state: fake.state,
      stateDir,
      run: () =>
        spawnSync(script, [], { encoding: 'utf8', env: { ...fake.env, WEBFARM_ZFS_SETTINGS: settings } }),
    };
  }

  it('sends in full the first time, then incrementally from the last snapshot each replica has', () => {
    const t = setup();
    // WHEN it runs twice
    const first = t.run();
    const second = t.run();
    // THEN
    expect(first.status).toBe(0);
    expect(second.status).toBe(0);
    const received = fs.readFileSync(path.join(t.state, 'received-zfsrecv@10.0.0.11'), 'utf8');
    expect(received).toBe(
      'STREAM send -R nsboot0/images@webfarm-20260101T000001Z\n' +
        'STREAM send -R -I @webfarm-20260101T000001Z nsboot0/images@webfarm-20260101T000002Z\n',
    );
    expect(fs.readFileSync(path.join(t.stateDir, 'last-10.0.0.12'), 'utf8')).toBe(
      'webfarm-20260101T000002Z\n',
    );
    const ssh = fs.readFileSync(path.join(t.state, 'ssh.log'), 'utf8');
    expect(ssh).toContain('-o BatchMode=yes');
    expect(ssh).toContain('-o StrictHostKeyChecking=accept-new');
    expect(ssh).toContain('zfsrecv@10.0.0.11 zfs receive -F nsboot0/images');
  });

  it('keeps a failed replica at its base, says so, and exits non-zero', () => {
    const t = setup();
    t.run();
    fs.writeFileSync(path.join(t.state, 'down'), 'zfsrecv@10.0.0.12\n');
    const result = t.run();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'sending to 10.0.0.12 failed (incremental from @webfarm-20260101T000001Z)',
    );
    expect(fs.readFileSync(path.join(t.stateDir, 'last-10.0.0.12'), 'utf8')).toBe(
      'webfarm-20260101T000001Z\n',
    );
    expect(fs.readFileSync(path.join(t.stateDir, 'last-10.0.0.11'), 'utf8')).toBe(
      'webfarm-20260101T000002Z\n',
    );
  });

  it('prunes to KEEP webfarm snapshots but never a base a replica still needs', () => {
    // GIVEN keep 2 and replica .12 down after the first run
    const t = setup(2);
    t.run();
    fs.writeFileSync(path.join(t.state, 'down'), 'zfsrecv@10.0.0.12\n');
    // WHEN it runs four more times
    for (let i = 0; i < 4; i++) t.run();
    // THEN the newest two remain, plus .12's base (the first snapshot)
    expect(fs.readFileSync(path.join(t.state, 'snapshots'), 'utf8').trim().split('\n')).toEqual([
      'nsboot0/images@webfarm-20260101T000001Z',
      'nsboot0/images@webfarm-20260101T000004Z',
      'nsboot0/images@webfarm-20260101T000005Z',
    ]);
  });

  it('never runs twice at once (flock)', () => {
    const t = setup();
    t.run();
    // GIVEN another run holds the lock
    const lock = path.join(t.stateDir, 'lock');
    const blocker = spawn('flock', [lock, 'sleep', '30'], { stdio: 'ignore', detached: true });
    try {
      while (spawnSync('flock', ['-n', lock, 'true']).status === 0) spawnSync('sleep', ['0.05']);
      // WHEN a second run starts
      const result = t.run();
      // THEN it leaves without a snapshot
      expect(result.status).toBe(0);
      expect(result.stderr).toContain('another run is in progress');
      expect(fs.readFileSync(path.join(t.state, 'snapshots'), 'utf8').trim().split('\n')).toHaveLength(1);
    } finally {
      if (blocker.pid) process.kill(-blocker.pid, 'SIGKILL');
    }
  });
});

describe('webfarm-zfs-pool never destroys (fake zpool, zfs and blkid on PATH)', () => {
  function pool(opts: {
    imported?: boolean;
    importable?: boolean;
    importableByForce?: boolean;
    deviceHasData?: boolean;
  }) {
    const fake = fakeTools({
      modprobe: 'true',
      zpool: `echo "zpool $*" >>"$S/calls"
case $1 in
  list) ${opts.imported ? 'exit 0' : 'exit 1'} ;;
  import)
    if [[ " $* " == *" -f "* ]]; then ${opts.importable || opts.importableByForce ? 'exit 0' : 'exit 1'}; fi
    ${opts.importable ? 'exit 0' : 'exit 1'} ;;
  create) exit 0 ;;
  *) exit 2 ;;
esac`,
      zfs: `echo "zfs $*" >>"$S/calls"; [[ $1 != list ]]`,
      blkid: opts.deviceHasData ? 'exit 0' : 'exit 2',
    });
    const dir = tempDir('webfarm-zfs-pool-');
    const device = path.join(dir, 'disk');
    fs.writeFileSync(device, '');
    const script = path.join(dir, 'webfarm-zfs-pool');
    fs.writeFileSync(script, renderZfsPoolScript(), { mode: 0o755 });
    const result = spawnSync(script, [device, 'nsboot0', '/srv/zfs', 'primary', 'nsboot0/images'], {
      encoding: 'utf8',
      env: fake.env,
    });
    const callsFile = path.join(fake.state, 'calls');
    const calls = fs.existsSync(callsFile) ? fs.readFileSync(callsFile, 'utf8') : '';
    return { result, calls };
  }

  it('uses an imported pool as it is', () => {
    const { result, calls } = pool({ imported: true });
    expect(result.status).toBe(0);
    expect(calls).not.toMatch(/zpool (create|import|destroy)/);
  });

  it('imports an existing pool instead of creating one', () => {
    const { result, calls } = pool({ importable: true, deviceHasData: true });
    expect(result.status).toBe(0);
    expect(calls).toContain('zpool import -d /dev/disk/by-id nsboot0');
    expect(calls).not.toMatch(/zpool create|destroy/);
  });

  it('GIVEN the pool of a replaced instance (never exported, last used by another host) WHEN the new instance boots THEN it imports that pool by force and keeps its data', () => {
    // GIVEN zpool import refuses the pool without -f ("previously in use from another system")
    const { result, calls } = pool({ importableByForce: true, deviceHasData: true });
    // THEN
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('imported the existing pool nsboot0');
    expect(calls).toMatch(/zpool import -f -d \/dev\/disk\/by-id nsboot0/);
    expect(calls).not.toMatch(/zpool create|destroy/);
  });

  it('creates the pool only on a blank device, and then the dataset', () => {
    const { result, calls } = pool({});
    expect(result.status).toBe(0);
    expect(calls).toMatch(/zpool create .* -O mountpoint=\/srv\/zfs nsboot0 \/.*\/disk\n/);
    expect(calls).toContain('zfs create -p nsboot0/images');
  });

  it('refuses a device that holds something else', () => {
    const { result, calls } = pool({ deviceHasData: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('holds data that is not pool nsboot0');
    expect(calls).not.toMatch(/zpool create|destroy/);
  });
});

describe('webfarm-zfs-promote (fake usermod, pkill, zfs on PATH)', () => {
  it('asks for --yes, then stops receiving and makes the dataset writable', () => {
    const fake = fakeTools({
      usermod: 'echo "usermod $*" >>"$S/calls"',
      pkill: 'echo "pkill $*" >>"$S/calls"; exit 1',
      zfs: 'echo "zfs $*" >>"$S/calls"',
    });
    const dir = tempDir('webfarm-zfs-promote-');
    const script = path.join(dir, 'webfarm-zfs-promote');
    fs.writeFileSync(script, renderZfsPromoteScript(), { mode: 0o755 });
    const settings = path.join(dir, 'zfs-replica.conf');
    fs.writeFileSync(settings, renderZfsReplicaSettings({ dataset: 'nsboot0/images' }));
    const env = { ...fake.env, WEBFARM_ZFS_SETTINGS: settings };
    const refused = spawnSync(script, [], { encoding: 'utf8', env });
    expect(refused.status).toBe(64);
    expect(fs.existsSync(path.join(fake.state, 'calls'))).toBe(false);
    const done = spawnSync(script, ['--yes'], { encoding: 'utf8', env });
    expect(done.status).toBe(0);
    expect(fs.readFileSync(path.join(fake.state, 'calls'), 'utf8').split('\n').slice(0, 3)).toEqual([
      'usermod --expiredate 1 zfsrecv',
      'pkill -u zfsrecv',
      'zfs set readonly=off nsboot0/images',
    ]);
  });
});
