import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  prepareVolumeCommand,
  PREPARE_VOLUME_PATH,
  renderPrepareVolumeScript,
} from '../../lib/config/systemd-volume';
import { describeWithTools, ROOT, run, tempDir } from '../support/tools';

/** The data-volume bootstrap that Redis and NFS hosts run at first boot (DESIGN decision 8). */

const GOLDEN = path.join(ROOT, 'test', 'golden', 'redis', 'webfarm-prepare-volume');

describe('webfarm-prepare-volume', () => {
  it('matches the golden file', () => {
    const text = renderPrepareVolumeScript();
    if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(GOLDEN, text);
    expect(text).toBe(fs.readFileSync(GOLDEN, 'utf8'));
  });

  it('is run as an exec list, never through a shell', () => {
    expect(prepareVolumeCommand('/dev/disk/by-id/virtio-abc', '/srv/redis', 'redis:redis')).toEqual([
      PREPARE_VOLUME_PATH,
      '/dev/disk/by-id/virtio-abc',
      '/srv/redis',
      'redis:redis',
    ]);
  });

  it('rejects a relative mount point', () => {
    expect(() => prepareVolumeCommand('/dev/vdb', 'srv/redis')).toThrow(
      'data volume: mount point "srv/redis" is not allowed; allowed: an absolute path',
    );
  });

  it('rejects a relative device path', () => {
    expect(() => prepareVolumeCommand('vdb', '/srv/redis')).toThrow(
      'data volume: device "vdb" is not allowed; allowed: an absolute path',
    );
  });

  it('rejects an owner with shell characters', () => {
    expect(() => prepareVolumeCommand('/dev/vdb', '/srv/redis', 'redis;reboot')).toThrow(
      'data volume: owner "redis;reboot" is not allowed; allowed: "user", "user:group" or "uid:gid"',
    );
  });
});

describeWithTools(['shellcheck'], 'webfarm-prepare-volume passes shellcheck', () => {
  it('has no findings', () => {
    const file = path.join(tempDir('webfarm-shellcheck-'), 'webfarm-prepare-volume');
    fs.writeFileSync(file, renderPrepareVolumeScript());
    const result = spawnSync('shellcheck', ['--severity=style', file], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describeWithTools(
  ['blkid', 'mkfs.ext4'],
  'webfarm-prepare-volume on a disk image (real blkid and mkfs)',
  () => {
    /** Runs the script on `device` with `mount`/`mountpoint` faked (no root mount needed). */
    function prepare(device: string, dir: string, extraEnv: NodeJS.ProcessEnv = {}) {
      const bin = path.join(dir, 'bin');
      fs.mkdirSync(bin, { recursive: true });
      fs.writeFileSync(path.join(bin, 'mount'), `#!/bin/sh\necho "mount $*" >>${dir}/mounts\n`, {
        mode: 0o755,
      });
      fs.writeFileSync(path.join(bin, 'mountpoint'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
      fs.writeFileSync(path.join(bin, 'chown'), `#!/bin/sh\necho "chown $*" >>${dir}/chowns\n`, {
        mode: 0o755,
      });
      const script = path.join(dir, 'webfarm-prepare-volume');
      fs.writeFileSync(script, renderPrepareVolumeScript(), { mode: 0o755 });
      return spawnSync(script, [device, path.join(dir, 'data'), 'redis:redis'], {
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH}`,
          WEBFARM_FSTAB: path.join(dir, 'fstab'),
          ...extraEnv,
        },
      });
    }

    function uuidOf(device: string): string {
      return run('blkid', ['-p', '-o', 'value', '-s', 'UUID', device]).trim();
    }

    it('formats a blank volume once, then never again (re-attached data is kept)', () => {
      // GIVEN a blank 16 MiB "volume"
      const dir = tempDir('webfarm-volume-');
      const device = path.join(dir, 'volume.img');
      fs.writeFileSync(device, Buffer.alloc(16 * 1024 * 1024));
      // WHEN prepared at first boot
      const first = prepare(device, dir);
      expect(first.status).toBe(0);
      expect(first.stdout).toContain('is blank; making an ext4 filesystem');
      const uuid = uuidOf(device);
      expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
      // AND again, as after the instance is replaced and the same volume re-attached
      const second = prepare(device, dir);
      // THEN the filesystem is the same one, the fstab line is written once, the mount is asked for
      expect(second.status).toBe(0);
      expect(second.stdout).toContain('already holds data; keeping it');
      expect(uuidOf(device)).toBe(uuid);
      const fstab = fs.readFileSync(path.join(dir, 'fstab'), 'utf8');
      expect(fstab).toBe(
        `${device} ${path.join(dir, 'data')} ext4 defaults,nofail,x-systemd.device-timeout=120s 0 2\n`,
      );
      expect(fs.readFileSync(path.join(dir, 'mounts'), 'utf8')).toBe(
        `mount ${path.join(dir, 'data')}\nmount ${path.join(dir, 'data')}\n`,
      );
      expect(fs.readFileSync(path.join(dir, 'chowns'), 'utf8')).toContain(
        `chown redis:redis ${path.join(dir, 'data')}`,
      );
    });

    it('does not format a volume holding another filesystem', () => {
      // GIVEN a volume that already has an ext4 filesystem made elsewhere
      const dir = tempDir('webfarm-volume-');
      const device = path.join(dir, 'volume.img');
      fs.writeFileSync(device, Buffer.alloc(16 * 1024 * 1024));
      run('mkfs.ext4', ['-q', '-F', '-L', 'somebody-else', device]);
      const uuid = uuidOf(device);
      // WHEN prepared
      const result = prepare(device, dir);
      // THEN it is kept as it is
      expect(result.status).toBe(0);
      expect(uuidOf(device)).toBe(uuid);
      expect(run('blkid', ['-p', '-o', 'value', '-s', 'LABEL', device]).trim()).toBe('somebody-else');
    });

    it('gives up, without formatting anything, when the volume never appears', () => {
      const dir = tempDir('webfarm-volume-');
      const result = prepare(path.join(dir, 'missing.img'), dir, { WEBFARM_DEVICE_WAIT: '2' });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('did not appear within 2s; is the volume attached?');
      expect(fs.existsSync(path.join(dir, 'fstab'))).toBe(false);
    });
  },
);
