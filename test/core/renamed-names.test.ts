import { TerraformStack, Testing } from '../../lib/core/cdk';
import { renamed } from '../../lib/core/renamed';
import {
  AdminAccess,
  HaproxyBalancer,
  IAdminAccess,
  IKeyPair,
  INetwork,
  KeyPair,
  Network,
  NginxBalancer,
  NfsServer,
  RedisHost,
  WorkerGroup,
  ZfsReplication,
} from '../../lib/openstack';
import { Host } from '../../lib/openstack/host';
import { OpenStackPlatform } from '../../lib/openstack/platform';
import { LoadBalancedService } from '../../lib/patterns/load-balanced-service';
import { SecurityGroup } from '../../lib/openstack/security-group';
import { expectRejected, rejectionOf } from '../support/assert';
import { ENV_SAFE_SPECIAL_CHARACTERS, SECRET_SAFE_SPECIAL_CHARACTERS } from '../../lib/hosting';
import { CloudInitFile, renderCloudConfig } from '../../lib/config/cloud-init';
import type { HostFile } from '../../lib/core/host-file';
import type { BalancerHostFile } from '../../lib/openstack/balancer-host-props';

// One name per concept (issue 14): every deprecated name still synthesizes exactly what the new
// name does, and giving both with different values is one ValidationError naming both.

/** The synthesized JSON of a stack `build` fills. */
function synth(build: (stack: TerraformStack, network: ReturnType<typeof Network.fromId>) => void): string {
  const stack = new TerraformStack(Testing.app(), 'test');
  const network = Network.fromId('net-1', 'subnet-1', '10.0.0.0/24');
  build(stack, network);
  return Testing.synth(stack, true);
}

const base = { image: 'Featured-Ubuntu24', flavor: 'm3.small' };

describe('renamed', () => {
  it('takes the new value, else the old one, and accepts both when equal', () => {
    expect(renamed('p', 'b', 2, 'a', undefined)).toBe(2);
    expect(renamed('p', 'b', undefined, 'a', 1)).toBe(1);
    expect(renamed('p', 'b', ['x'], 'a', ['x'])).toEqual(['x']);
    expect(renamed('p', 'b', undefined, 'a', undefined)).toBeUndefined();
  });

  it('refuses two different values with one message naming both', () => {
    expectRejected(
      () => renamed('stack/Files', 'dataVolume.sizeGiB', 200, 'volumeSizeGb', 100),
      'stack/Files: volumeSizeGb and dataVolume.sizeGiB {"volumeSizeGb":100,"dataVolume.sizeGiB":200} is not allowed; ' +
        'allowed: one of the two (volumeSizeGb is the deprecated name of dataVolume.sizeGiB). Fix: give dataVolume.sizeGiB only',
    );
  });
});

describe('data volumes: one shape (dataVolume: { sizeGiB, volumeType, preventDestroy })', () => {
  const cases: Array<{
    readonly name: string;
    readonly make: (stack: TerraformStack, network: ReturnType<typeof Network.fromId>, v: object) => void;
    readonly old: object;
    readonly now: object;
    readonly conflict: object;
    readonly what: string;
  }> = [
    {
      name: 'NfsServer volumeSizeGb/volumeType/retainData',
      make: (stack, network, v) =>
        new NfsServer(stack, 'Files', { ...base, network, shares: ['images'], ...v }),
      old: { volumeSizeGb: 200, volumeType: 'ssd', retainData: false },
      now: { dataVolume: { sizeGiB: 200, volumeType: 'ssd', preventDestroy: false } },
      conflict: { volumeSizeGb: 100, dataVolume: { sizeGiB: 200 } },
      what: 'volumeSizeGb and dataVolume.sizeGiB',
    },
    {
      name: 'RedisHost volumeSizeGb/retainData',
      make: (stack, network, v) => new RedisHost(stack, 'Redis', { ...base, network, ...v }),
      old: { volumeSizeGb: 20, retainData: false },
      now: { dataVolume: { sizeGiB: 20, preventDestroy: false } },
      conflict: { retainData: true, dataVolume: { sizeGiB: 10, preventDestroy: false } },
      what: 'retainData and dataVolume.preventDestroy',
    },
    {
      name: 'ZfsReplication volumeSizeGb/volumeType/retainData',
      make: (stack, network, v) => new ZfsReplication(stack, 'Zfs', { ...base, network, replicas: 1, ...v }),
      old: { volumeSizeGb: 100, volumeType: 'ssd', retainData: false },
      now: { dataVolume: { sizeGiB: 100, volumeType: 'ssd', preventDestroy: false } },
      conflict: { volumeType: 'ssd', dataVolume: { sizeGiB: 100, volumeType: 'hdd' } },
      what: 'volumeType and dataVolume.volumeType',
    },
    {
      name: 'WorkerGroup dataVolume.sizeGb and bootVolumeSizeGb',
      make: (stack, network, v) => new WorkerGroup(stack, 'Web', { ...base, network, count: 2, ...v }),
      old: { bootVolumeSizeGb: 20, dataVolume: { sizeGb: 50, mountPoint: '/srv/data' } },
      now: { bootVolumeSizeGiB: 20, dataVolume: { sizeGiB: 50, mountPoint: '/srv/data' } },
      conflict: { bootVolumeSizeGb: 20, bootVolumeSizeGiB: 30 },
      what: 'bootVolumeSizeGb and bootVolumeSizeGiB',
    },
    {
      name: 'Host.addVolume sizeGb and bootVolumeSizeGb',
      make: (stack, network, v) => {
        const { boot, volume } = v as { boot: object; volume: { sizeGb?: number; sizeGiB?: number } };
        const group = new SecurityGroup(stack, 'Group', { description: 'g' });
        new Host(stack, 'Host', { ...base, network, securityGroups: [group], ...boot }).addVolume(
          'data',
          volume,
        );
      },
      old: { boot: { bootVolumeSizeGb: 20 }, volume: { sizeGb: 30 } },
      now: { boot: { bootVolumeSizeGiB: 20 }, volume: { sizeGiB: 30 } },
      conflict: { boot: {}, volume: { sizeGb: 30, sizeGiB: 40 } },
      what: 'sizeGb and sizeGiB',
    },
    {
      name: 'LoadBalancedService sharedFiles.sizeGb and the platform redis.volumeSizeGb',
      make: (stack, network, v) => {
        const { redis, sharedFiles } = v as { redis: object; sharedFiles: object };
        new LoadBalancedService(stack, 'Web', {
          platform: OpenStackPlatform.octavia({ network, ...base, redis }),
          port: 8080,
          listeners: [{ port: 80, allowedCidrs: ['0.0.0.0/0'] }],
          redis: {},
          sharedFiles: { mountPoint: '/srv/shared', ...sharedFiles },
        });
      },
      old: { redis: { volumeSizeGb: 20 }, sharedFiles: { sizeGb: 50 } },
      now: { redis: { dataVolume: { sizeGiB: 20 } }, sharedFiles: { sizeGiB: 50 } },
      conflict: { redis: {}, sharedFiles: { sizeGb: 50, sizeGiB: 60 } },
      what: 'sharedFiles.sizeGb and sharedFiles.sizeGiB',
    },
  ];

  it.each(cases)('$name: the old names synthesize what the new ones do', ({ make, old, now }) => {
    // GIVEN the same volume under the old and the new names
    const before = synth((stack, network) => make(stack, network, old));
    const after = synth((stack, network) => make(stack, network, now));
    // THEN the stacks are the same, byte for byte
    expect(after).toBe(before);
  });

  it.each(cases)('$name: an old and a new name with different values is a ValidationError', (c) => {
    const error = rejectionOf(() => synth((stack, network) => c.make(stack, network, c.conflict)));
    expect(error.what).toBe(c.what);
  });

  it('an old and a new name with the same value are accepted', () => {
    const both = synth(
      (stack, network) =>
        new NfsServer(stack, 'Files', {
          ...base,
          network,
          shares: ['a'],
          volumeSizeGb: 100,
          dataVolume: { sizeGiB: 100 },
        }),
    );
    const now = synth(
      (stack, network) =>
        new NfsServer(stack, 'Files', { ...base, network, shares: ['a'], dataVolume: { sizeGiB: 100 } }),
    );
    expect(both).toBe(now);
  });

  it('refuses an NfsServer without a size under either name', () => {
    const error = rejectionOf(() =>
      synth((stack, network) => new NfsServer(stack, 'Files', { ...base, network, shares: ['a'] })),
    );
    expect(error.message).toBe(
      'test/Files: dataVolume.sizeGiB (not set) is not allowed; allowed: an integer from 1 to 65536. Fix: give the size in GiB, e.g. 100',
    );
  });

  it('keeps the old name in the message of a bad old value', () => {
    const error = rejectionOf(() =>
      synth((stack, network) => new RedisHost(stack, 'Redis', { ...base, network, volumeSizeGb: 0 })),
    );
    expect(error.what).toBe('volumeSizeGb');
  });
});

describe('imports: one signature (scope, id, …)', () => {
  /** A worker group on the given network with the given keypair. */
  function workers(stack: TerraformStack, network: INetwork, keyPair: IKeyPair): void {
    new WorkerGroup(stack, 'Web', { ...base, network, keyPair, count: 1 });
  }

  it('Network.fromId and KeyPair.fromName without a scope synthesize what the scoped forms do', () => {
    const before = synth((stack) =>
      workers(stack, Network.fromId('net-1', 'subnet-1', '10.0.0.0/24'), KeyPair.fromName('operators')),
    );
    const after = synth((stack) =>
      workers(
        stack,
        Network.fromId(stack, 'Net', 'net-1', 'subnet-1', { cidr: '10.0.0.0/24' }),
        KeyPair.fromName(stack, 'Operators', 'operators'),
      ),
    );
    expect(after).toBe(before);
  });

  it('names the import in messages of the scoped forms, and keeps the old wording for the old ones', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    expect(rejectionOf(() => Network.fromId(stack, 'Net', 'n', 's', { cidr: '10.0.0.0/33' })).path).toBe(
      'test/Net',
    );
    expect(rejectionOf(() => Network.fromId('n', 's', '10.0.0.0/33')).path).toBe('Network.fromId');
    expect(rejectionOf(() => KeyPair.fromName(stack, 'Key', 'bad/name')).path).toBe('test/Key');
    expect(rejectionOf(() => KeyPair.fromName('bad/name')).path).toBe('KeyPair.fromName');
  });
});

describe('SSH for administrators: one name (adminAccess) on every construct', () => {
  const ssh = { user: 'ubuntu' };

  it('a balancer adminCidrs synthesizes what adminAccess with the same list does', () => {
    const before = synth(
      (stack, network) =>
        new NginxBalancer(stack, 'Lb', { ...base, network, ssh, adminCidrs: ['198.51.100.0/24'] }),
    );
    const after = synth(
      (stack, network) =>
        new NginxBalancer(stack, 'Lb', { ...base, network, ssh, adminAccess: ['198.51.100.0/24'] }),
    );
    expect(after).toBe(before);
  });

  it('a balancer adminCidrs and an adminAccess list of other CIDRs is a ValidationError', () => {
    const error = rejectionOf(() =>
      synth(
        (stack, network) =>
          new HaproxyBalancer(stack, 'Lb', {
            ...base,
            network,
            ssh,
            adminCidrs: ['198.51.100.0/24'],
            adminAccess: ['203.0.113.0/24'],
          }),
      ),
    );
    expect(error.what).toBe('adminCidrs and adminAccess');
  });

  it('a balancer adminCidrs beside an AdminAccess still adds both, as before', () => {
    const json = JSON.parse(
      synth((stack, network) => {
        const admin = new AdminAccess(stack, 'Admin', { adminCidrs: ['203.0.113.0/24'] });
        new NginxBalancer(stack, 'Lb', {
          ...base,
          network,
          ssh,
          adminCidrs: ['198.51.100.0/24'],
          adminAccess: admin,
        });
      }),
    ) as { resource: Record<string, Record<string, { remote_ip_prefix?: string; port_range_min?: number }>> };
    const ssh22 = Object.values(json.resource.openstack_networking_secgroup_rule_v2)
      .filter((r) => r.port_range_min === 22)
      .map((r) => r.remote_ip_prefix)
      .sort();
    expect(ssh22).toEqual(['198.51.100.0/24', '203.0.113.0/24']);
  });

  it.each([
    [
      'WorkerGroup',
      (stack: TerraformStack, network: INetwork, adminAccess: IAdminAccess | string[]) =>
        new WorkerGroup(stack, 'Web', { ...base, network, count: 2, adminAccess }),
    ],
    [
      'NfsServer',
      (stack: TerraformStack, network: INetwork, adminAccess: IAdminAccess | string[]) =>
        new NfsServer(stack, 'Files', {
          ...base,
          network,
          shares: ['a'],
          dataVolume: { sizeGiB: 10 },
          adminAccess,
        }),
    ],
    [
      'RedisHost',
      (stack: TerraformStack, network: INetwork, adminAccess: IAdminAccess | string[]) =>
        new RedisHost(stack, 'Redis', { ...base, network, adminAccess }),
    ],
    [
      'ZfsReplication',
      (stack: TerraformStack, network: INetwork, adminAccess: IAdminAccess | string[]) =>
        new ZfsReplication(stack, 'Zfs', {
          ...base,
          network,
          replicas: 1,
          dataVolume: { sizeGiB: 10 },
          adminAccess,
        }),
    ],
  ])('%s: adminAccess as a list of CIDRs synthesizes what an AdminAccess of them does', (_, make) => {
    const before = synth((stack, network) =>
      make(stack, network, new AdminAccess(stack, 'Admin', { adminCidrs: ['198.51.100.0/24'] })),
    );
    const after = synth((stack, network) => make(stack, network, ['198.51.100.0/24']));
    expect(after).toBe(before);
  });

  it('warns once, in the one wording, when an adminAccess list opens SSH to the world', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const network = Network.fromId(stack, 'Net', 'net-1', 'subnet-1', { cidr: '10.0.0.0/24' });
    const workers = new WorkerGroup(stack, 'Web', { ...base, network, count: 1, adminAccess: ['0.0.0.0/0'] });
    const warnings = workers.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => m.data);
    expect(warnings).toEqual([
      'SSH is open to the whole internet (0.0.0.0/0) because adminAccess names it; prefer the networks your administrators use.',
    ]);
  });
});

describe('files: one type (HostFile) and one name for the mode (mode)', () => {
  const file = { path: '/etc/app/app.conf', content: 'x = 1\n', owner: 'root:root' };

  it('renderCloudConfig writes the same document for permissions (CloudInitFile) and mode', () => {
    const old: CloudInitFile = { ...file, permissions: '0640' };
    const now: HostFile = { ...file, mode: '0640' };
    expect(renderCloudConfig({ writeFiles: [now] })).toBe(renderCloudConfig({ writeFiles: [old] }));
    expect(renderCloudConfig({ writeFiles: [now] })).toContain('permissions: "0640"');
  });

  it('a worker group file with permissions synthesizes what one with mode does', () => {
    const make = (f: HostFile | CloudInitFile) =>
      synth((stack, network) => new WorkerGroup(stack, 'Web', { ...base, network, count: 1, files: [f] }));
    expect(make({ ...file, mode: '0600' })).toBe(make({ ...file, permissions: '0600' }));
  });

  it('permissions and mode with different values is a ValidationError', () => {
    const both: CloudInitFile = { ...file, mode: '0600', permissions: '0644' };
    expect(rejectionOf(() => renderCloudConfig({ writeFiles: [both] })).what).toBe(
      'permissions of /etc/app/app.conf and mode of /etc/app/app.conf',
    );
  });

  it('cloud-init files refuse the flags cloud-init cannot honour', () => {
    expect(rejectionOf(() => renderCloudConfig({ writeFiles: [{ ...file, secret: true }] })).what).toBe(
      'secret of /etc/app/app.conf',
    );
    expect(rejectionOf(() => renderCloudConfig({ writeFiles: [{ ...file, check: 'true' }] })).what).toBe(
      'check of /etc/app/app.conf',
    );
  });

  it("a balancer's files take HostFile (BalancerHostFile is the same type) and refuse cloud-init's defer", () => {
    const pem: BalancerHostFile = { path: '/etc/ssl/private/site.pem', content: 'PEM', secret: true };
    const make = (files: HostFile[]) =>
      synth(
        (stack, network) =>
          new NginxBalancer(stack, 'Lb', {
            ...base,
            network,
            ssh: { user: 'ubuntu' },
            adminAccess: ['198.51.100.0/24'],
            files,
          }),
      );
    expect(make([pem])).toContain('/etc/ssl/private/site.pem');
    expect(rejectionOf(() => make([{ ...pem, defer: true }])).what).toBe('defer');
  });
});

describe('secrets: one set of special characters', () => {
  it('SECRET_SAFE_SPECIAL_CHARACTERS is within what the environment file carries, and the deprecated set keeps its value', () => {
    // The deprecated set is kept as it was: override_special forces a new password when it changes.
    expect(ENV_SAFE_SPECIAL_CHARACTERS).toBe('!#$%&*()-_=+[]{}<>:?.,@^~');
    for (const c of SECRET_SAFE_SPECIAL_CHARACTERS) expect(ENV_SAFE_SPECIAL_CHARACTERS).toContain(c);
  });
});
