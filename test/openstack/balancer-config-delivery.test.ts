import { App, TerraformStack } from '../../lib/core/cdk';
import { HostFile } from '../../lib/core/host-files';
import { ConfigDelivery, ConfigDeliveryProps } from '../../lib/openstack/config-delivery';
import { StackJson, resourcesOf, tfcheckProblems } from '../support/synth';
import { manifestOf, synthWithManifests } from '../e2e/balancer-fixture';

/** ConfigDelivery with files produced at synth, as the balancers use it. */

const PROPS: Omit<ConfigDeliveryProps, 'files'> = {
  instance: { id: 'instance-1' },
  address: '198.51.100.7',
  ssh: { user: 'debian' },
  hostName: 'lb',
  role: 'nginx-balancer',
  name: 'nginx',
  check: 'nginx -t -q',
  reload: 'systemctl reload nginx',
};

function synth(files: () => HostFile[], extra: Partial<ConfigDeliveryProps> = {}): StackJson {
  return synthWithManifests((app: App) => {
    const stack = new TerraformStack(app, 'late');
    new ConfigDelivery(stack, 'Push', { ...PROPS, ...extra, files: { produce: files } });
    return stack;
  });
}

function provisionersOf(json: StackJson): Array<Record<string, Record<string, unknown>>> {
  return Object.values(resourcesOf(json, 'terraform_data'))[0].provisioner as Array<
    Record<string, Record<string, unknown>>
  >;
}

describe('ConfigDelivery with a HostFilesProducer', () => {
  it('WHEN files are added after construction THEN uploads, trigger, input and manifest include them', () => {
    const files: HostFile[] = [{ path: '/etc/nginx/webfarm/pools/a.conf', content: 'upstream a {}\n' }];
    const json = synthWithManifests((app: App) => {
      const stack = new TerraformStack(app, 'late');
      new ConfigDelivery(stack, 'Push', { ...PROPS, files: { produce: () => files } });
      files.push({ path: '/etc/nginx/webfarm/pools/b.conf', content: 'upstream b {}\n' });
      return stack;
    });
    const [data] = Object.values(resourcesOf(json, 'terraform_data'));
    expect(provisionersOf(json).map((p) => Object.keys(p)[0])).toEqual([
      'remote-exec',
      'file',
      'file',
      'file',
      'remote-exec',
    ]);
    expect(provisionersOf(json)[2].file).toEqual({
      content: 'upstream b {}\n',
      destination: '/var/tmp/webfarm-nginx/2',
    });
    expect((data.input as { files: string[] }).files).toEqual([
      '/etc/nginx/webfarm/pools/a.conf',
      '/etc/nginx/webfarm/pools/b.conf',
    ]);
    expect(manifestOf(data).files.map((f) => f.path)).toEqual((data.input as { files: string[] }).files);
    expect(tfcheckProblems(json)).toBe('');
  });

  it('WHEN the producer gives no files but directories are managed THEN the push only prunes them', () => {
    const json = synth(() => [], {
      managedDirectories: [{ path: '/etc/nginx/webfarm/pools', pattern: '*.conf' }],
    });
    const script = String(provisionersOf(json)[1].file.content);
    expect(script).toContain("prune '/etc/nginx/webfarm/pools' '*.conf'\n");
    expect(script).not.toContain('\nput ');
  });

  it('fails at synth when the producer gives no files and no directory is managed', () => {
    expect(() => synth(() => [])).toThrow(
      'late/Push: files [] is not allowed; allowed: at least one file. Fix: give the files to push',
    );
  });
});
