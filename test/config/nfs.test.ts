import * as fs from 'fs';
import * as path from 'path';
import { NfsExport, renderExports, renderNfsMountEntry, renderNfsServerConf } from '../../lib/config/nfs';
import { describeWithTools, run, tempDir } from '../support/tools';
import { expectGolden as expectGoldenFile } from '../support/golden';

/** Compares with test/golden/nfs/<name>; `UPDATE_GOLDEN=1` rewrites the file. */
function expectGolden(name: string, text: string): void {
  expectGoldenFile('nfs', name, text);
}

const EXPORTS: NfsExport[] = [
  { path: '/srv/nfs/images', clients: ['10.0.0.0/24'] },
  { path: '/srv/nfs/configs', clients: ['10.0.0.0/24', '10.0.1.0/24'], readOnly: true, squash: 'all' },
];

describe('renderExports', () => {
  it('matches the golden file: CIDR clients only, rw/ro, sync, root_squash, no_subtree_check', () => {
    const text = renderExports(EXPORTS);
    expectGolden('exports', text);
    expect(text).toContain('/srv/nfs/images 10.0.0.0/24(rw,sync,no_subtree_check,root_squash,sec=sys)\n');
  });

  it('passes a Terraform token (a looked-up subnet CIDR) through', () => {
    const token = '${TfToken[TOKEN.7]}';
    expect(renderExports([{ path: '/srv/nfs/a', clients: [token] }])).toContain(`/srv/nfs/a ${token}(rw,`);
  });

  it('rejects exporting to the world with *', () => {
    expect(() => renderExports([{ path: '/srv/nfs/a', clients: ['*'] }])).toThrow(
      'exports: export client "*" is not allowed; allowed: a CIDR block of the machines that mount the share (the workers\' subnet). Fix: export to the workers\' subnet, e.g. "10.0.0.0/24", never to the world',
    );
  });

  it.each(['0::/0', '::0/0', '0:0:0:0:0:0:0:0/0'])(
    'GIVEN the IPv6 world spelled %p WHEN exports are rendered THEN it is refused like ::/0',
    (world) => {
      expect(() => renderExports([{ path: '/srv/nfs/a', clients: [world] }])).toThrow(
        `exports: export client "${world}" is not allowed; allowed: a CIDR block of the machines that mount the share`,
      );
    },
  );

  it('rejects exporting to 0.0.0.0/0', () => {
    expect(() => renderExports([{ path: '/srv/nfs/a', clients: ['0.0.0.0/0'] }])).toThrow(
      'exports: export client "0.0.0.0/0" is not allowed',
    );
  });

  it('rejects a wildcard host name', () => {
    expect(() => renderExports([{ path: '/srv/nfs/a', clients: ['*.example.org'] }])).toThrow(
      'exports: export client "*.example.org" is not allowed',
    );
  });

  it('rejects a client that is not a CIDR block', () => {
    expect(() => renderExports([{ path: '/srv/nfs/a', clients: ['10.0.0.1/24'] }])).toThrow(
      'exports: export client "10.0.0.1/24" is not allowed; allowed: an IPv4 or IPv6 CIDR block such as "203.0.113.0/24" or "2001:db8::/32" with the host bits zero',
    );
  });

  it('rejects an export with no clients', () => {
    expect(() => renderExports([{ path: '/srv/nfs/a', clients: [] }])).toThrow(
      'exports: clients of /srv/nfs/a [] is not allowed',
    );
  });

  it('rejects a relative export path', () => {
    expect(() => renderExports([{ path: 'srv/nfs', clients: ['10.0.0.0/24'] }])).toThrow(
      'exports: export path "srv/nfs" is not allowed; allowed: an absolute path',
    );
  });

  it('rejects an export path with a space', () => {
    expect(() => renderExports([{ path: '/srv/my share', clients: ['10.0.0.0/24'] }])).toThrow(
      'exports: export path "/srv/my share" is not allowed',
    );
  });

  it('rejects the same path exported twice', () => {
    expect(() =>
      renderExports([
        { path: '/srv/a', clients: ['10.0.0.0/24'] },
        { path: '/srv/a', clients: ['10.0.1.0/24'] },
      ]),
    ).toThrow('exports: export path "/srv/a" is not allowed; allowed: each path once');
  });
});

describe('renderNfsServerConf', () => {
  it('matches the golden file: NFSv4 only', () => {
    const text = renderNfsServerConf();
    expectGolden('nfs.conf', text);
    expect(text).toContain('vers3=n\n');
  });
});

describe('renderNfsMountEntry', () => {
  it('matches the golden fstab line: _netdev, nofail, automount, hard', () => {
    const entry = renderNfsMountEntry({
      server: '10.0.0.9',
      exportPath: '/srv/nfs/images',
      mountPoint: '/srv/images',
    });
    expectGolden('fstab', `${entry.join(' ')}\n`);
    expect(entry[3].split(',')).toEqual(
      expect.arrayContaining(['_netdev', 'nofail', 'x-systemd.automount', 'hard']),
    );
    expect(entry[2]).toBe('nfs4');
  });

  it('rejects a mount path that is not absolute', () => {
    expect(() =>
      renderNfsMountEntry({ server: '10.0.0.9', exportPath: '/srv/nfs/images', mountPoint: 'srv/images' }),
    ).toThrow(
      'nfs mount: mount path "srv/images" is not allowed; allowed: an absolute path of letters, digits and "._@+/-" without ".." parts, e.g. "/srv/images". Fix: start the path with "/" and leave out spaces and quotes',
    );
  });

  it('rejects mounting on /', () => {
    expect(() =>
      renderNfsMountEntry({ server: '10.0.0.9', exportPath: '/srv/nfs/a', mountPoint: '/' }),
    ).toThrow('nfs mount: mount path "/" is not allowed; allowed: an absolute directory other than "/"');
  });

  it('rejects a mount path with ..', () => {
    expect(() =>
      renderNfsMountEntry({ server: '10.0.0.9', exportPath: '/srv/nfs/a', mountPoint: '/srv/../etc' }),
    ).toThrow('nfs mount: mount path "/srv/../etc" is not allowed');
  });

  it('rejects a server address with a space', () => {
    expect(() =>
      renderNfsMountEntry({ server: '10.0.0.9 evil', exportPath: '/srv/nfs/a', mountPoint: '/srv/a' }),
    ).toThrow('nfs mount: server "10.0.0.9 evil" is not allowed; allowed: an address or host name');
  });

  it('rejects NFSv3', () => {
    expect(() =>
      renderNfsMountEntry({
        server: '10.0.0.9',
        exportPath: '/srv/nfs/a',
        mountPoint: '/srv/a',
        version: '3' as unknown as '4.2',
      }),
    ).toThrow('nfs mount: version "3" is not allowed; allowed: "4.1" or "4.2" (webfarm serves NFSv4 only)');
  });
});

describeWithTools(['nfsconf'], 'nfs.conf read by nfsconf', () => {
  it('turns NFSv3 off and v4.2 on', () => {
    const dir = tempDir('webfarm-nfsconf-');
    const file = path.join(dir, 'webfarm.conf');
    fs.writeFileSync(file, renderNfsServerConf());
    expect(run('nfsconf', ['--file', file, '--get', 'nfsd', 'vers3']).trim()).toBe('n');
    expect(run('nfsconf', ['--file', file, '--get', 'nfsd', 'vers4.2']).trim()).toBe('y');
    expect(run('nfsconf', ['--file', file, '--get', 'nfsd', 'udp']).trim()).toBe('n');
  });
});

describeWithTools(
  ['exportfs', 'unshare'],
  'exports read by the real exportfs (private mount namespace)',
  () => {
    it('exports each directory to its CIDR only, root squashed, sync', () => {
      // GIVEN the golden exports, and a private mount namespace where /etc/exports is that file
      // and /var/lib/nfs and /srv are empty tmpfs (nothing of this machine is touched)
      const dir = tempDir('webfarm-exportfs-');
      const exportsFile = path.join(dir, 'exports');
      fs.writeFileSync(exportsFile, renderExports(EXPORTS));
      const script = [
        'set -e',
        `mount --bind ${exportsFile} /etc/exports`,
        'mount -t tmpfs tmpfs /var/lib/nfs',
        'mount -t tmpfs tmpfs /srv',
        'mkdir -p /srv/nfs/images /srv/nfs/configs',
        // WHEN exportfs reads it
        'exportfs -ra',
        'cat /var/lib/nfs/etab',
      ].join('\n');
      let etab: string;
      try {
        etab = run('unshare', ['-m', '--propagation', 'private', 'bash', '-c', script]);
      } catch (e) {
        throw new Error(`exportfs in a private namespace failed: ${(e as { stderr?: string }).stderr ?? e}`);
      }
      // THEN each export is what we asked, and nothing else is exported
      const lines = etab.trim().split('\n');
      expect(lines).toHaveLength(3);
      const images = lines.find((l) => l.startsWith('/srv/nfs/images\t10.0.0.0/24('));
      expect(images).toBeDefined();
      expect(images).toMatch(/\(rw,sync,.*root_squash.*no_subtree_check/);
      const configs = lines.filter((l) => l.startsWith('/srv/nfs/configs\t'));
      expect(configs.map((l) => l.split('\t')[1].split('(')[0]).sort()).toEqual([
        '10.0.0.0/24',
        '10.0.1.0/24',
      ]);
      for (const l of configs) expect(l).toMatch(/\(ro,sync,.*all_squash/);
      expect(etab).not.toMatch(/no_root_squash|\*\(/);
    });
  },
);
