import { App, TerraformStack } from '../../lib/core/cdk';
import { AdminAccess, Network, NfsServer, RedisHost, WorkerGroup, ZfsReplication } from '../../lib/openstack';
import { WorkerApp } from '../../lib/hosting';
import { StackJson, resourcesOf, synthStack } from '../support/synth';
import { describeWithTools } from '../support/tools';
import { PlannedChange, tfsimPlan } from './building-blocks-support';

/**
 * Issue 11, item 2: growing an attached Cinder volume. Provider 3.x extends an in-use volume
 * only with `enable_online_resize = true`; without it the plan is an update and the apply fails.
 * Every construct that makes a volume (RedisHost, NfsServer, a WorkerGroup's data volumes,
 * ZfsReplication) is grown here, and Terraform's plan must update each volume in place with the
 * flag set, and leave the attachments and instances alone.
 */

/** Sizes of every volume-making construct: `grown` doubles them all. */
function stateStack(app: App, grown: boolean): TerraformStack {
  const size = (gb: number) => (grown ? gb * 2 : gb);
  const stack = new TerraformStack(app, 'grow');
  const network = Network.fromName(stack, 'Net', 'auto_allocated_network', { cidr: '10.0.0.0/24' });
  const admin = new AdminAccess(stack, 'Admin', { adminCidrs: ['198.51.100.0/24'] });
  const base = { network, image: 'Featured-Ubuntu24', flavor: 'm3.small', adminAccess: admin };
  const workers = new WorkerGroup(stack, 'App', {
    ...base,
    count: 2,
    appPort: 8080,
    app: WorkerApp.systemd({ execStart: '/opt/app/bin/server' }),
    dataVolume: { sizeGb: size(20), mountPoint: '/srv/data' },
  });
  const redis = new RedisHost(stack, 'Redis', { ...base, volumeSizeGb: size(10) });
  redis.allowFrom(workers);
  new NfsServer(stack, 'Files', { ...base, shares: ['images'], volumeSizeGb: size(100) });
  new ZfsReplication(stack, 'Zfs', { ...base, replicas: 1, volumeSizeGb: size(50) });
  return stack;
}

const synth = (grown: boolean): StackJson => synthStack((app) => stateStack(app, grown));

/** Workers 2, Redis 1, NFS 1, ZFS primary + 1 replica. */
const VOLUMES = 6;

describe('Data volumes can grow while attached (synth)', () => {
  it('every volume sets enable_online_resize', () => {
    const volumes = Object.entries(resourcesOf(synth(false), 'openstack_blockstorage_volume_v3'));
    expect(volumes).toHaveLength(VOLUMES);
    for (const [name, body] of volumes) expect([name, body.enable_online_resize]).toEqual([name, true]);
  });
});

describeWithTools(['terraform', 'tfsim'], 'Data volumes grow in place (terraform plan)', () => {
  let changes: PlannedChange[] = [];

  beforeAll(() => {
    changes = tfsimPlan(synth(true), synth(false)).changes;
  }, 300000);

  const ofType = (type: string) => changes.filter((c) => c.type === type);

  it('WHEN every volume is doubled THEN each is updated in place, online, to its new size', () => {
    const volumes = ofType('openstack_blockstorage_volume_v3');
    expect(volumes).toHaveLength(VOLUMES);
    for (const v of volumes) {
      const change = v.change as PlannedChange['change'] & { before: Record<string, unknown> };
      expect([v.address, v.change.actions]).toEqual([v.address, ['update']]);
      expect([v.address, v.change.after?.size]).toEqual([v.address, (change.before.size as number) * 2]);
      expect([v.address, v.change.after?.enable_online_resize]).toEqual([v.address, true]);
    }
  });

  it('WHEN every volume is doubled THEN no attachment, instance or other resource changes', () => {
    const attachments = ofType('openstack_compute_volume_attach_v2');
    expect(attachments).toHaveLength(VOLUMES);
    const others = changes.filter((c) => c.type !== 'openstack_blockstorage_volume_v3');
    expect(others.length).toBeGreaterThan(VOLUMES);
    for (const c of others) expect([c.address, c.change.actions]).toEqual([c.address, ['no-op']]);
  });
});
