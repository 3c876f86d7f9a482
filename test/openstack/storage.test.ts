import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack, Testing } from '../../lib/core/cdk';
import { ValidationError } from '../../lib/core';
import { AdminAccess, Network, NfsServer, RedisHost, WorkerGroup } from '../../lib/openstack';
import { SECRET_SAFE_SPECIAL_CHARACTERS, WorkerApp } from '../../lib/hosting';
import { SharedStateStack } from '../../examples/shared-state';
import { StackJson, resourcesOf, synthStack, tfcheckProblems } from '../support/synth';
import { describeWithTools, tempDir } from '../support/tools';
import {
  PlannedChange,
  resourceNamed,
  synthWithMetadata,
  tfsimPlan,
  tfsimValidateProblems,
  withPlaceholders,
} from './building-blocks-support';

/** Workers + Redis + NFS on one network, as the seed VISA and NSBoot deployments need them. */
interface SharedStateOptions {
  readonly redisFlavor?: string;
  readonly redisImage?: string;
  readonly retainData?: boolean;
  readonly redisMaxMemoryMb?: number;
}

const ADMIN_CIDR = '198.51.100.0/24';

function sharedState(app: App, options: SharedStateOptions = {}) {
  const stack = new TerraformStack(app, 'test');
  const network = Network.fromName(stack, 'Net', 'auto_allocated_network', { cidr: '10.0.0.0/24' });
  const admin = new AdminAccess(stack, 'Admin', { adminCidrs: [ADMIN_CIDR] });
  const workers = new WorkerGroup(stack, 'App', {
    network,
    image: 'Featured-Ubuntu24',
    flavor: 'm3.small',
    count: 2,
    appPort: 8080,
    adminAccess: admin,
    app: WorkerApp.systemd({ execStart: '/opt/app/bin/server' }),
  });
  const redis = new RedisHost(stack, 'Redis', {
    network,
    image: options.redisImage ?? 'Featured-Ubuntu24',
    flavor: options.redisFlavor ?? 'm3.small',
    adminAccess: admin,
    retainData: options.retainData,
    maxMemoryMb: options.redisMaxMemoryMb,
  });
  redis.allowFrom(workers);
  workers.addEnvironment(redis.connectionEnv('VISA_VDI_REDIS_'));
  const nfs = new NfsServer(stack, 'Files', {
    network,
    image: 'Featured-Ubuntu24',
    flavor: 'm3.small',
    shares: ['images'],
    volumeSizeGb: 100,
    adminAccess: admin,
    retainData: options.retainData,
  });
  nfs.share('images').mountOn(workers, '/srv/images');
  return { stack, network, workers, redis, nfs };
}

function build(options: SharedStateOptions = {}): StackJson {
  return synthStack((app) => sharedState(app, options).stack);
}

/** The Terraform reference to the security group whose logical name contains `part`. */
function groupRef(json: StackJson, part: string): string {
  const names = Object.keys(resourcesOf(json, 'openstack_networking_secgroup_v2')).filter((n) =>
    n.includes(part),
  );
  if (names.length !== 1) throw new Error(`expected one group *${part}*, found ${names.join(', ')}`);
  return `\${openstack_networking_secgroup_v2.${names[0]}.id}`;
}

/** The ingress rules on the group `ref`, as [protocol/port, remote]. */
function ingressOn(json: StackJson, ref: string): Array<{ port: string; group?: string; cidr?: string }> {
  return Object.values(resourcesOf(json, 'openstack_networking_secgroup_rule_v2'))
    .filter((r) => r.security_group_id === ref && r.direction === 'ingress')
    .map((r) => ({
      port: `${r.protocol}/${r.port_range_min}-${r.port_range_max}`,
      ...(r.remote_group_id !== undefined ? { group: r.remote_group_id as string } : {}),
      ...(r.remote_ip_prefix !== undefined ? { cidr: r.remote_ip_prefix as string } : {}),
    }));
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e.message;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('workers + Redis + NFS', () => {
  it('synthesizes and is tfcheck-clean', () => {
    const json = build();
    expect(tfcheckProblems(json)).toBe('');
  });

  it("admits Redis and NFS only from the workers' group (and SSH from the admin network)", () => {
    // GIVEN the stack
    const json = build();
    const workers = groupRef(json, 'App_SecurityGroup');
    // THEN every ingress rule of Redis's and NFS's groups names the workers' group, except SSH
    expect(ingressOn(json, groupRef(json, 'Redis_SecurityGroup'))).toEqual(
      expect.arrayContaining([
        { port: 'tcp/6379-6379', group: workers },
        { port: 'tcp/22-22', cidr: ADMIN_CIDR },
      ]),
    );
    for (const part of ['Redis_SecurityGroup', 'Files_SecurityGroup']) {
      const rules = ingressOn(json, groupRef(json, part));
      expect(rules).toHaveLength(2);
      for (const rule of rules) {
        if (rule.cidr !== undefined) expect(rule).toEqual({ port: 'tcp/22-22', cidr: ADMIN_CIDR });
        else expect(rule.group).toBe(workers);
      }
    }
    expect(ingressOn(json, groupRef(json, 'Files_SecurityGroup'))).toContainEqual({
      port: 'tcp/2049-2049',
      group: workers,
    });
  });

  it('gives every stateful volume prevent_destroy, separate from its instance', () => {
    const json = build();
    const volumes = resourcesOf(json, 'openstack_blockstorage_volume_v3');
    expect(Object.keys(volumes).length).toBe(2);
    for (const volume of Object.values(volumes)) {
      expect(volume.lifecycle).toEqual({ prevent_destroy: true });
    }
    const attachments = Object.values(resourcesOf(json, 'openstack_compute_volume_attach_v2'));
    expect(attachments).toHaveLength(2);
    for (const a of attachments) expect(a.volume_id).toMatch(/^\$\{openstack_blockstorage_volume_v3\./);
  });

  it('drops prevent_destroy only when retainData is false', () => {
    const json = build({ retainData: false });
    for (const volume of Object.values(resourcesOf(json, 'openstack_blockstorage_volume_v3'))) {
      expect(volume.lifecycle).toEqual({ prevent_destroy: false });
    }
  });

  it('generates a quoting-free Redis password, exposed only as a sensitive output', () => {
    const json = build();
    const [password] = Object.values(resourcesOf(json, 'random_password'));
    expect(password).toMatchObject({
      length: 32,
      special: true,
      override_special: SECRET_SAFE_SPECIAL_CHARACTERS,
    });
    expect(SECRET_SAFE_SPECIAL_CHARACTERS).not.toMatch(/["'\\$#% ]/);
    expect(json.output?.redis_password).toMatchObject({ sensitive: true });
    expect(json.provider).toHaveProperty('random');
  });

  it('writes redis.conf with the private address, the password reference and AOF on the volume', () => {
    const json = build();
    const userData = resourceNamed(json, 'openstack_compute_instance_v2', 'Redis_Server').user_data as string;
    expect(userData).toContain('packages:\n  - "redis-server"');
    expect(userData).toMatch(
      /bind \\"\$\{element\(openstack_networking_port_v2\.Redis_Server_Port_[A-Z0-9]+\.all_fixed_ips, 0\)\}\\" 127\.0\.0\.1/,
    );
    expect(userData).toMatch(/requirepass \\"\$\{random_password\.Redis_Password_[A-Z0-9]+\.result\}\\"/);
    expect(userData).toContain('protected-mode yes');
    expect(userData).toContain('dir /srv/redis\\nappendonly yes');
    expect(userData).toContain('/usr/local/sbin/webfarm-prepare-volume');
    expect(userData).toMatch(
      /- "\/dev\/disk\/by-id\/virtio-\$\{substr\(openstack_blockstorage_volume_v3\.Redis_Server_Volume-data_[A-Z0-9]+\.id, 0, 20\)\}"\n\s+- "\/srv\/redis"/,
    );
  });

  it('gives the workers the VISA Redis variables and the NFS mount', () => {
    const json = build();
    const userData = resourceNamed(json, 'openstack_compute_instance_v2', 'Node-app-1_').user_data as string;
    expect(userData).toMatch(
      /VISA_VDI_REDIS_URL='redis:\/\/\$\{element\(openstack_networking_port_v2\.Redis_Server_Port_[A-Z0-9]+\.all_fixed_ips, 0\)\}:6379'/,
    );
    expect(userData).toMatch(
      /VISA_VDI_REDIS_PASSWORD='\$\{random_password\.Redis_Password_[A-Z0-9]+\.result\}'/,
    );
    expect(userData).toContain("VISA_VDI_REDIS_DATABASE='0'");
    expect(userData).toContain('"nfs-common"');
    expect(userData).toMatch(
      /mounts:\n {2}- - "\$\{element\(openstack_networking_port_v2\.Files_Server_Port_[A-Z0-9]+\.all_fixed_ips, 0\)\}:\/srv\/nfs\/images"\n {4}- "\/srv\/images"\n {4}- "nfs4"\n {4}- "rw,vers=4\.2,proto=tcp,hard,timeo=600,retrans=2,noatime,_netdev,nofail,x-systemd\.automount,x-systemd\.mount-timeout=30s"/,
    );
  });

  it("exports the share to the workers' subnet only, root squashed", () => {
    const json = build();
    const userData = resourceNamed(json, 'openstack_compute_instance_v2', 'Files_Server').user_data as string;
    expect(userData).toContain('/srv/nfs/images 10.0.0.0/24(rw,sync,no_subtree_check,root_squash,sec=sys)');
    expect(userData).toContain('vers3=n');
    expect(userData).toContain('"rpcbind.service"');
  });

  it('starts Redis and the NFS server only once their data volume is mounted', () => {
    // GIVEN the shared-state stack WHEN synthesized
    const json = build();
    for (const [host, service, dir] of [
      ['Redis_Server', 'redis-server', '/srv/redis'],
      ['Files_Server', 'nfs-server', '/srv/nfs'],
    ]) {
      const userData = resourceNamed(json, 'openstack_compute_instance_v2', host).user_data as string;
      // THEN a drop-in ties the daemon to the mount (a volume that failed to attach leaves the
      // daemon down instead of serving, or exporting, the empty folder on the root disk)
      expect(userData).toContain(`path: "/etc/systemd/system/${service}.service.d/webfarm.conf"`);
      expect(userData).toContain(`RequiresMountsFor=${dir}`);
      expect(userData.indexOf('"daemon-reload"')).toBeGreaterThan(userData.indexOf('webfarm-prepare-volume'));
    }
  });

  it('records the Redis and NFS files for webfarm configs', () => {
    const app = Testing.app();
    const { stack } = sharedState(app);
    const json = synthWithMetadata(stack);
    const redis = resourceNamed(json, 'openstack_compute_instance_v2', 'Redis_Server') as {
      '//': { webfarm: { role: string; files: Array<{ path: string; mode: string; owner: string }> } };
    };
    expect(redis['//'].webfarm.role).toBe('redis');
    expect(redis['//'].webfarm.files).toContainEqual(
      expect.objectContaining({ path: '/etc/redis/redis.conf', mode: '0640', owner: 'redis:redis' }),
    );
    const nfs = resourceNamed(json, 'openstack_compute_instance_v2', 'Files_Server') as {
      '//': { webfarm: { role: string; files: Array<{ path: string }> } };
    };
    expect(nfs['//'].webfarm.role).toBe('nfs');
    expect(nfs['//'].webfarm.files.map((f) => f.path)).toContain('/etc/exports');
  });
});

describe('RedisHost validation', () => {
  function redis(props: Partial<ConstructorParameters<typeof RedisHost>[2]>): void {
    const stack = new TerraformStack(Testing.app(), 'test');
    const network = Network.fromId('net', 'subnet', '10.0.0.0/24');
    new RedisHost(stack, 'Redis', { network, image: 'img', flavor: 'flv', ...props });
  }

  it('rejects a database number above 15', () => {
    expect(errorOf(() => redis({ database: 16 }))).toBe(
      'test/Redis: database 16 is not allowed; allowed: an integer from 0 to 15. Fix: give a database number from 0 to 15',
    );
  });

  it('rejects a password shorter than 16 characters', () => {
    expect(errorOf(() => redis({ passwordLength: 8 }))).toBe(
      'test/Redis: passwordLength 8 is not allowed; allowed: an integer from 16 to 256. Fix: use at least 16, e.g. 32',
    );
  });

  it('rejects a password output name Terraform cannot use', () => {
    expect(errorOf(() => redis({ passwordOutputName: '1password' }))).toContain(
      'test/Redis: passwordOutputName "1password" is not allowed',
    );
  });

  it('rejects a zero-sized volume', () => {
    expect(errorOf(() => redis({ volumeSizeGb: 0 }))).toContain('test/Redis: volumeSizeGb 0 is not allowed');
  });

  it('rejects TLS client certificates without a CA', () => {
    expect(
      errorOf(() =>
        redis({ tls: { certFile: '/etc/redis/s.crt', keyFile: '/etc/redis/s.key', authClients: 'yes' } }),
      ),
    ).toContain('test/Redis redis.conf: tls authClients "yes" is not allowed');
  });

  it('with TLS, opens and advertises the TLS port only', () => {
    const json = synthStack((app) => {
      const stack = new TerraformStack(app, 'test');
      const network = Network.fromId('net', 'subnet', '10.0.0.0/24');
      const workers = new WorkerGroup(stack, 'App', { network, image: 'img', flavor: 'flv' });
      const r = new RedisHost(stack, 'Redis', {
        network,
        image: 'img',
        flavor: 'flv',
        tls: { certFile: '/etc/redis/s.crt', keyFile: '/etc/redis/s.key' },
      });
      r.allowFrom(workers);
      workers.addEnvironment(r.connectionEnv());
      expect(r.url).toMatch(/^rediss:\/\/.*:6380$/);
      return stack;
    });
    const rules = ingressOn(json, groupRef(json, 'Redis_SecurityGroup'));
    expect(rules.map((r) => r.port)).toEqual(['tcp/6380-6380']);
    expect(tfcheckProblems(json)).toBe('');
  });
});

describe('NfsServer validation', () => {
  function setup(props: Partial<ConstructorParameters<typeof NfsServer>[2]> = {}) {
    const stack = new TerraformStack(Testing.app(), 'test');
    const network = Network.fromId('net', 'subnet', '10.0.0.0/24');
    const workers = new WorkerGroup(stack, 'App', { network, image: 'img', flavor: 'flv' });
    const make = () =>
      new NfsServer(stack, 'Files', {
        network,
        image: 'img',
        flavor: 'flv',
        shares: ['images'],
        volumeSizeGb: 10,
        ...props,
      });
    return { stack, network, workers, make };
  }

  it('rejects a mount path that is not absolute', () => {
    const { workers, make } = setup();
    expect(errorOf(() => make().share('images').mountOn(workers, 'srv/images'))).toBe(
      'test/Files share \'images\': mount path "srv/images" is not allowed; allowed: an absolute path of letters, digits and "._@+/-" without ".." parts, e.g. "/srv/images". Fix: start the path with "/" and leave out spaces and quotes',
    );
  });

  it('rejects mounting on /', () => {
    const { workers, make } = setup();
    expect(errorOf(() => make().share('images').mountOn(workers, '/'))).toContain(
      'test/Files share \'images\': mount path "/" is not allowed; allowed: an absolute directory other than "/"',
    );
  });

  it("rejects an export CIDR that does not contain the workers' subnet", () => {
    const { workers, network, make } = setup({ exportTo: ['10.1.0.0/24'] });
    expect(
      errorOf(() => make().share('images').mountOn(workers, '/srv/images', { clientNetwork: network })),
    ).toBe(
      "test/Files share 'images': clients' subnet \"10.0.0.0/24\" is not allowed; allowed: a subnet inside the export's networks (10.1.0.0/24). Fix: add the clients' subnet to the server's exportTo, or mount from machines on an exported network",
    );
  });

  it("accepts an export CIDR that contains the workers' subnet", () => {
    const { workers, network, make } = setup({ exportTo: ['10.0.0.0/16'] });
    expect(() =>
      make().share('images').mountOn(workers, '/srv/images', { clientNetwork: network }),
    ).not.toThrow();
  });

  it('rejects exporting to the world', () => {
    const { make } = setup({ exportTo: ['0.0.0.0/0'] });
    expect(errorOf(make)).toContain('test/Files exports: export client "0.0.0.0/0" is not allowed');
  });

  it('rejects no shares', () => {
    const { make } = setup({ shares: [] });
    expect(errorOf(make)).toBe(
      'test/Files: shares [] is not allowed; allowed: at least one share name. Fix: name the directories to export, e.g. ["images"]',
    );
  });

  it('rejects a share name that is not a DNS label', () => {
    const { make } = setup({ shares: ['My Images'] });
    expect(errorOf(make)).toContain('test/Files: share name "My Images" is not allowed');
  });

  it('rejects the same share twice', () => {
    const { make } = setup({ shares: ['images', 'images'] });
    expect(errorOf(make)).toContain(
      'test/Files: share name "images" is not allowed; allowed: each name once',
    );
  });

  it('rejects a share owner by name', () => {
    const { make } = setup({ shareOwner: 'www-data:www-data' });
    expect(errorOf(make)).toContain(
      'test/Files: shareOwner "www-data:www-data" is not allowed; allowed: numeric "uid:gid"',
    );
  });

  it('rejects a zero-sized volume', () => {
    const { make } = setup({ volumeSizeGb: 0 });
    expect(errorOf(make)).toContain(
      'test/Files: volumeSizeGb 0 is not allowed; allowed: an integer from 1 to 65536',
    );
  });

  it('rejects zero nfsd threads', () => {
    const { make } = setup({ threads: 0 });
    expect(errorOf(make)).toContain(
      'test/Files: threads 0 is not allowed; allowed: an integer from 1 to 1024',
    );
  });

  it('rejects an empty exportTo', () => {
    const { make } = setup({ exportTo: [] });
    expect(errorOf(make)).toBe(
      "test/Files: exportTo [] is not allowed; allowed: one or more CIDR blocks. Fix: leave exportTo out to export to the server's subnet",
    );
  });

  it('rejects an unknown share', () => {
    const { make } = setup();
    expect(errorOf(() => make().share('videos'))).toBe(
      'test/Files: share "videos" is not allowed; allowed: "images". Fix: name one of the shares given in props.shares',
    );
  });
});

describeWithTools(['terraform', 'tfsim'], 'data safety, confirmed by tfsim plan --base', () => {
  function changeOf(
    changes: PlannedChange[],
    type: string,
    part: string,
  ): PlannedChange & {
    change: { before: Record<string, unknown> | null };
  } {
    const found = changes.filter((c) => c.type === type && c.address.includes(part));
    if (found.length !== 1)
      throw new Error(`expected one ${type} *${part}*, found ${found.map((c) => c.address)}`);
    return found[0] as PlannedChange & { change: { before: Record<string, unknown> | null } };
  }

  it('the stack passes tfsim validate', () => {
    expect(tfsimValidateProblems(build())).toBe('');
  });

  it('a new flavor resizes Redis in place: the volume and the attachment are untouched', () => {
    // GIVEN the stack applied, WHEN the Redis flavor changes
    const { changes } = tfsimPlan(build({ redisFlavor: 'm3.large' }), build());
    // THEN the instance is updated in place and the volume and attachment are no-ops
    expect(changeOf(changes, 'openstack_compute_instance_v2', 'Redis_Server').change.actions).toEqual([
      'update',
    ]);
    expect(changeOf(changes, 'openstack_blockstorage_volume_v3', 'Redis').change.actions).toEqual(['no-op']);
    expect(changeOf(changes, 'openstack_compute_volume_attach_v2', 'Redis').change.actions).toEqual([
      'no-op',
    ]);
  });

  it('a new image rebuilds Redis in place (provider 3.x): the volume and the attachment are untouched', () => {
    const { changes } = tfsimPlan(
      build({ redisImage: 'Featured-Ubuntu22', redisFlavor: 'm3.large' }),
      build(),
    );
    expect(changeOf(changes, 'openstack_compute_instance_v2', 'Redis_Server').change.actions).toEqual([
      'update',
    ]);
    expect(changeOf(changes, 'openstack_blockstorage_volume_v3', 'Redis').change.actions).toEqual(['no-op']);
    expect(changeOf(changes, 'openstack_compute_volume_attach_v2', 'Redis').change.actions).toEqual([
      'no-op',
    ]);
  });

  it('a replaced Redis instance (new user data) gets the same volume re-attached, unchanged', () => {
    // GIVEN the stack applied, WHEN redis.conf changes (user_data is ForceNew: a new instance)
    const { changes } = tfsimPlan(build({ redisMaxMemoryMb: 1024 }), build());
    // THEN the instance is replaced
    expect(changeOf(changes, 'openstack_compute_instance_v2', 'Redis_Server').change.actions).toEqual([
      'delete',
      'create',
    ]);
    // AND the volume is a no-op: neither replaced nor updated
    const volume = changeOf(changes, 'openstack_blockstorage_volume_v3', 'Redis');
    expect(volume.change.actions).toEqual(['no-op']);
    expect(volume.change.after).toEqual(volume.change.before);
    // AND the attachment is re-created for the new instance with the same volume id
    const attachment = changeOf(changes, 'openstack_compute_volume_attach_v2', 'Redis');
    expect(attachment.change.actions).toEqual(['delete', 'create']);
    expect(attachment.change.after?.volume_id).toBe(attachment.change.before?.volume_id);
    expect(attachment.change.after?.volume_id).toBe(volume.change.before?.id);
    // AND nothing else is destroyed: the NFS server, its volume and the password stay
    const destroyed = changes.filter((c) => c.change.actions.includes('delete')).map((c) => c.address);
    expect(destroyed.every((a) => /Redis_Server/.test(a))).toBe(true);
  });
});

describe('examples/shared-state', () => {
  function example(): StackJson {
    return synthStack((app) => new SharedStateStack(app, 'shared-state'));
  }

  it('synthesizes tfcheck-clean, with every volume protected', () => {
    const json = example();
    expect(tfcheckProblems(json)).toBe('');
    const volumes = Object.values(resourcesOf(json, 'openstack_blockstorage_volume_v3'));
    expect(volumes).toHaveLength(5);
    for (const v of volumes) expect(v.lifecycle).toEqual({ prevent_destroy: true });
  });

  it("admits Redis and NFS only from the app servers' group, SSH only from the admin network", () => {
    const json = example();
    const app = groupRef(json, 'App_SecurityGroup');
    for (const part of ['Redis_SecurityGroup', 'Files_SecurityGroup']) {
      for (const rule of ingressOn(json, groupRef(json, part))) {
        if (rule.cidr !== undefined) expect(rule).toEqual({ port: 'tcp/22-22', cidr: '198.51.100.0/24' });
        else expect(rule.group).toBe(app);
      }
    }
  });

  describeWithTools(['cloud-init'], 'user data read by cloud-init', () => {
    it("every host's user data is valid cloud-config (references as placeholders)", () => {
      const dir = tempDir('webfarm-userdata-');
      for (const [name, instance] of Object.entries(
        resourcesOf(example(), 'openstack_compute_instance_v2'),
      )) {
        const file = path.join(dir, `${name}.yaml`);
        fs.writeFileSync(file, withPlaceholders(instance.user_data as string));
        const result = spawnSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8' });
        expect(`${name}: ${result.stdout}${result.stderr}`.trim()).toBe(
          `${name}: Valid cloud-config: ${file}`,
        );
      }
    });
  });

  describeWithTools(['terraform', 'tfsim'], 'under tfsim', () => {
    it('passes tfsim validate', () => {
      expect(tfsimValidateProblems(example())).toBe('');
    });
  });
});
