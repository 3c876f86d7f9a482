import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HOST_MANIFEST_KEY } from '../../lib/core/host-files';
import { HostManifestFile } from '../../lib/cli/configs';
import { main } from '../../lib/cli/main';
import { MANIFEST_KEY } from '../../lib/cli/stacks';
import { ROOT, tempDir } from '../support/tools';
import { STACK, synthFixture } from './fixture';

/** Runs the command in-process; returns its exit status and output. */
function webfarm(args: string[], cwd = ROOT): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const status = main(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd,
  });
  return { status, stdout, stderr };
}

/** Runs `node bin/webfarm.js` as a child process. */
function webfarmProcess(args: string[], cwd = ROOT): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'webfarm.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: undefined },
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Every file under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

function read(...parts: string[]): string {
  return fs.readFileSync(path.join(...parts), 'utf8');
}

function manifestOf(out: string, host: string): HostManifestFile {
  return JSON.parse(read(out, STACK, host, 'webfarm-manifest.json')) as HostManifestFile;
}

/** Writes a hand-made cdktf.out with one stack, shaped exactly like cdktf's output. */
function handMadeOut(stack: Record<string, unknown>, name = 'hand'): string {
  const dir = tempDir('webfarm-cli-hand-');
  fs.mkdirSync(path.join(dir, 'stacks', name), { recursive: true });
  fs.writeFileSync(path.join(dir, 'stacks', name, 'cdk.tf.json'), JSON.stringify(stack, null, 2));
  return dir;
}

function carrying(uniqueId: string, manifest: Record<string, unknown>): Record<string, unknown> {
  return {
    '//': { metadata: { path: `hand/${uniqueId}`, uniqueId }, [HOST_MANIFEST_KEY]: manifest },
    input: { host: 'x' },
  };
}

describe('webfarm configs', () => {
  let cdktfOut: string;
  let out: string;
  let summary: string;

  beforeAll(() => {
    cdktfOut = synthFixture();
    out = tempDir('webfarm-cli-out-');
    const result = webfarm(['configs', cdktfOut, '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    summary = result.stdout;
  });

  it('uses the manifest key lib/core writes', () => {
    expect(MANIFEST_KEY).toBe(HOST_MANIFEST_KEY);
  });

  it('writes each host’s files where they land on the host, with a manifest per host', () => {
    // GIVEN the synthesized fixture (two hosts with files, three hosts without)
    // WHEN configs ran (beforeAll)
    // THEN the output mirrors each host's file system; hosts without files have no folder
    expect(tree(out)).toEqual([
      `${STACK}/addresses.json`,
      `${STACK}/edge/etc/haproxy/haproxy.cfg`,
      `${STACK}/edge/var/lib/cloud/instance/user-data.txt`,
      `${STACK}/edge/webfarm-manifest.json`,
      `${STACK}/lb/etc/keepalived/check_nginx.sh`,
      `${STACK}/lb/etc/keepalived/keepalived.conf`,
      `${STACK}/lb/etc/nginx/nginx.conf`,
      `${STACK}/lb/etc/nginx/webfarm/pools/web.conf`,
      `${STACK}/lb/var/lib/cloud/instance/user-data.txt`,
      `${STACK}/lb/webfarm-manifest.json`,
    ]);
    const lb = manifestOf(out, 'lb');
    expect(lb.role).toBe('nginx-balancer');
    expect(
      lb.files.map((f) => [f.path, f.owner, f.mode, f.delivery, f.source.split('.')[0], f.check]),
    ).toEqual([
      [
        '/var/lib/cloud/instance/user-data.txt',
        'root:root',
        '0600',
        'cloud-init',
        'openstack_compute_instance_v2',
        'cloud-init schema --config-file /var/lib/cloud/instance/user-data.txt',
      ],
      [
        '/etc/nginx/nginx.conf',
        'root:root',
        '0644',
        'cloud-init',
        'openstack_compute_instance_v2',
        undefined,
      ],
      [
        '/etc/keepalived/check_nginx.sh',
        'root:root',
        '0755',
        'cloud-init',
        'openstack_compute_instance_v2',
        undefined,
      ],
      [
        '/etc/nginx/webfarm/pools/web.conf',
        'root:root',
        '0644',
        'ssh',
        'terraform_data',
        'nginx -t -c /etc/nginx/nginx.conf',
      ],
      [
        '/etc/keepalived/keepalived.conf',
        'root:root',
        '0640',
        'ssh',
        'terraform_data',
        'keepalived -t -f /etc/keepalived/keepalived.conf',
      ],
    ]);
    expect(manifestOf(out, 'edge').files.map((f) => [f.path, f.owner, f.mode, f.delivery])).toEqual([
      ['/var/lib/cloud/instance/user-data.txt', 'root:root', '0600', 'cloud-init'],
      ['/etc/haproxy/haproxy.cfg', 'root:haproxy', '0640', 'ssh'],
    ]);
    expect(fs.statSync(path.join(out, STACK, 'lb/etc/keepalived/check_nginx.sh')).mode & 0o777).toBe(0o755);
    expect(summary).toMatch(/STACK\s+HOST\s+ROLE\s+FILES\s+DELIVERY/);
    expect(summary).toMatch(new RegExp(`${STACK}\\s+edge\\s+haproxy-balancer\\s+2\\s+cloud-init\\+ssh`));
    expect(summary).toMatch(new RegExp(`${STACK}\\s+lb\\s+nginx-balancer\\s+5\\s+cloud-init\\+ssh`));
  });

  it('replaces references by documentation addresses, the same everywhere, and lists them', () => {
    // GIVEN the reference map of the stack
    const addresses = JSON.parse(read(out, STACK, 'addresses.json')) as Record<string, string>;
    const byResource = (part: string): string => {
      const hits = Object.entries(addresses).filter(([ref]) => ref.includes(part));
      expect(hits).toHaveLength(1);
      return hits[0][1];
    };
    const web1 = byResource('Web1_Port');
    const web2 = byResource('Web2_Port');
    // THEN fixed addresses are in 192.0.2.0/24, the floating IP in 198.51.100.0/24, the password fake
    for (const part of ['Web1_Port', 'Web2_Port', 'Lb_Port', 'Lb2_Port', 'networking_port_v2.Vip']) {
      expect(byResource(part)).toMatch(/^192\.0\.2\.([1-9]\d?|1\d\d|2[0-4]\d|25[0-4])$/);
    }
    expect(byResource('floatingip_v2.EdgePublic')).toMatch(/^198\.51\.100\.\d{1,3}$/);
    expect(byResource('random_password.VrrpPassword')).toBe('example1'); // length = 8, like auth_pass
    expect(new Set(Object.values(addresses)).size).toBe(Object.keys(addresses).length);
    // AND the same reference reads the same in every file that names it
    const pool = read(out, STACK, 'lb/etc/nginx/webfarm/pools/web.conf');
    expect(pool).toBe(
      [
        'upstream web {',
        '    least_conn;',
        `    server ${web1}:8080 max_fails=3 fail_timeout=30s;`,
        `    server ${web2}:8080 max_fails=3 fail_timeout=30s;`,
        '    keepalive 16;',
        '}',
        '',
      ].join('\n'),
    );
    expect(read(out, STACK, 'lb/etc/nginx/nginx.conf')).toContain(`proxy_pass http://${web1}:8080;`);
    expect(read(out, STACK, 'edge/etc/haproxy/haproxy.cfg')).toContain(
      `server web1 ${web1}:8080 check inter 3s`,
    );
    expect(read(out, STACK, 'edge/etc/haproxy/haproxy.cfg')).toContain(
      `X-Public-Address ${byResource('EdgePublic')}`,
    );
    // AND no Terraform reference is left in any host file
    for (const file of tree(out).filter((f) => !f.endsWith('.json'))) {
      expect(read(out, file)).not.toMatch(/\$\{[a-z_]+[.(]|openstack_|random_password/);
    }
    // AND each host manifest says what its placeholders stand for
    const lb = manifestOf(out, 'lb');
    expect(lb.references[web1]).toBe(Object.keys(addresses).find((ref) => addresses[ref] === web1));
    expect(Object.keys(lb.references).sort()).toEqual(
      ['Web1_Port', 'Web2_Port', 'Lb_Port', 'Lb2_Port', 'networking_port_v2.Vip', 'VrrpPassword']
        .map(byResource)
        .sort(),
    );
    expect(Object.keys(manifestOf(out, 'edge').references).sort()).toEqual(
      [web1, web2, byResource('EdgePublic')].sort(),
    );
  });

  it('undoes Terraform escapes: $${x} reads ${x}, %%{x} reads %{x}', () => {
    // GIVEN the stack really carries the escaped forms
    const stackJson = read(cdktfOut, 'stacks', STACK, 'cdk.tf.json');
    expect(stackJson).toContain('$${upstream_addr}');
    expect(stackJson).toContain('%%{+Q}r');
    // THEN the written files read as they will land
    const nginx = read(out, STACK, 'lb/etc/nginx/nginx.conf');
    expect(nginx).toContain(`'$remote_addr [$time_local] "$request" $status \${upstream_addr}'`);
    expect(nginx).toContain('# literal %{kept} and ${kept} in a comment');
    expect(read(out, STACK, 'edge/etc/haproxy/haproxy.cfg')).toContain(
      'log-format "%ci:%cp [%tr] %ft %b/%s %ST %{+Q}r"',
    );
    // AND nginx.conf is exactly the write_files content of the user data
    const userData = read(out, STACK, 'lb/var/lib/cloud/instance/user-data.txt');
    const embedded = /path: "\/etc\/nginx\/nginx.conf"\n(?: {4}\w+: .*\n)*? {4}content: (".*")\n/.exec(
      userData,
    );
    expect(embedded).not.toBeNull();
    expect(JSON.parse(embedded?.[1] ?? '""')).toBe(nginx);
  });

  it('gives byte-identical output on a second run and replaces what the first run wrote', () => {
    // GIVEN the first run's output and a stale file inside it
    const snapshot = (dir: string) => tree(dir).map((f) => [f, read(dir, f)]);
    const first = snapshot(out);
    fs.writeFileSync(path.join(out, STACK, 'lb', 'stale.conf'), 'old');
    // WHEN configs runs again into the same folder
    const again = webfarm(['configs', cdktfOut, '--out', out]);
    // THEN the output is identical and the stale file is gone
    expect(again.status).toBe(0);
    expect(snapshot(out)).toEqual(first);
  });

  it('refuses to write into a stack folder it did not write', () => {
    const target = tempDir();
    fs.mkdirSync(path.join(target, STACK));
    fs.writeFileSync(path.join(target, STACK, 'notes.txt'), 'mine');
    const result = webfarm(['configs', cdktfOut, '--out', target]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('was not written by `webfarm configs`');
    expect(read(target, STACK, 'notes.txt')).toBe('mine');
  });

  it('merges one host’s manifests from resources and data sources; a later SSH push wins on a path', () => {
    // GIVEN a hand-made stack: cloud-init and ssh both write /etc/app.conf on host "app"
    const dir = handMadeOut({
      '//': { metadata: { stackName: 'hand', version: '0.21.0' } },
      data: {
        terraform_remote_state: {
          Shared: carrying('Shared', {
            host: 'app',
            role: 'app',
            delivery: 'ssh',
            files: [
              { path: '/etc/shared.conf', owner: 'root:root', mode: '0644', content: 'shared $${x}\n' },
            ],
          }),
        },
      },
      resource: {
        openstack_compute_instance_v2: {
          App: carrying('App', {
            host: 'app',
            role: 'app',
            delivery: 'cloud-init',
            files: [{ path: '/etc/app.conf', owner: 'root:root', mode: '0644', content: 'first boot\n' }],
          }),
        },
        terraform_data: {
          Push: carrying('Push', {
            host: 'app',
            role: 'app',
            delivery: 'ssh',
            files: [
              {
                path: '/etc/app.conf',
                owner: 'app:app',
                mode: '0600',
                content: 'id ${openstack_networking_secgroup_v2.G.id} %%{x}\n',
              },
            ],
          }),
        },
      },
    });
    const target = tempDir();
    // WHEN configs runs
    const result = webfarm(['configs', dir, '--out', target]);
    // THEN one folder holds both; the SSH push's version of the shared path is what lands
    expect(result.status).toBe(0);
    expect(tree(target)).toEqual([
      'hand/addresses.json',
      'hand/app/etc/app.conf',
      'hand/app/etc/shared.conf',
      'hand/app/webfarm-manifest.json',
    ]);
    expect(read(target, 'hand/app/etc/app.conf')).toBe('id example-g-id %{x}\n');
    expect(read(target, 'hand/app/etc/shared.conf')).toBe('shared ${x}\n');
    const manifest = JSON.parse(read(target, 'hand/app/webfarm-manifest.json')) as HostManifestFile;
    expect(manifest.files).toEqual([
      {
        path: '/etc/app.conf',
        owner: 'app:app',
        mode: '0600',
        delivery: 'ssh',
        source: 'terraform_data.Push',
        replaces: ['openstack_compute_instance_v2.App (cloud-init)'],
      },
      {
        path: '/etc/shared.conf',
        owner: 'root:root',
        mode: '0644',
        delivery: 'ssh',
        source: 'data.terraform_remote_state.Shared',
      },
    ]);
    expect(manifest.references).toEqual({ 'example-g-id': '${openstack_networking_secgroup_v2.G.id}' });
  });

  it.each([
    [
      'a path outside the host',
      { path: '/etc/../../escape', content: '' },
      'is not a normal absolute file path',
    ],
    ['a relative path', { path: 'etc/x', content: '' }, 'is not a normal absolute file path'],
    ['a content that is not text', { path: '/etc/x', content: 42 }, 'files[0].content is not a string'],
  ])('rejects a manifest with %s', (_what, file, message) => {
    const dir = handMadeOut({
      resource: {
        terraform_data: { Bad: carrying('Bad', { host: 'h', role: 'r', delivery: 'ssh', files: [file] }) },
      },
    });
    const result = webfarm(['configs', dir, '--out', tempDir()]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('terraform_data.Bad');
  });

  it('says so when a stack carries no host manifest', () => {
    const dir = handMadeOut({ resource: { terraform_data: { Plain: { input: 'x' } } } });
    const result = webfarm(['configs', dir, '--out', tempDir()]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('stack hand: no host manifests, nothing written');
  });
});

describe('webfarm command line', () => {
  it('runs end to end as `node bin/webfarm.js configs --out OUT`, reading ./cdktf.out by default', () => {
    // GIVEN a project folder whose cdktf.out is the synthesized fixture
    const project = tempDir('webfarm-cli-project-');
    fs.symlinkSync(synthFixture(), path.join(project, 'cdktf.out'));
    // WHEN the installed command runs there
    const result = webfarmProcess(['configs', '--out', 'configs'], project);
    // THEN it exits 0, prints the summary and writes the files
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`${STACK}\\s+lb\\s+nginx-balancer\\s+5`));
    expect(fs.existsSync(path.join(project, 'configs', STACK, 'lb/etc/nginx/webfarm/pools/web.conf'))).toBe(
      true,
    );
  });

  it('prints help on --help (exit 0) and usage on stderr for an unknown argument (exit 2)', () => {
    const help = webfarmProcess(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: webfarm <command>');
    const configsHelp = webfarmProcess(['configs', '--help']);
    expect(configsHelp.status).toBe(0);
    expect(configsHelp.stdout).toContain('Usage: webfarm configs [DIR] --out OUT [--local-paths]');
    const bad = webfarmProcess(['configs', '--frobnicate', '--out', 'x']);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('webfarm: unknown option "--frobnicate"');
    expect(bad.stderr).toContain('Usage: webfarm configs');
  });

  it.each([
    [[], 'missing command'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['configs'], 'configs needs --out OUT'],
    [['configs', '--out'], '--out needs a folder'],
    [['configs', '--out='], '--out needs a folder'],
    [['configs', 'a', 'b', '--out', 'x'], 'unexpected argument "b" (one DIR only)'],
    [
      ['configs', 'no-such-dir', '--out', 'x'],
      'no-such-dir does not exist or is not a folder: synthesize first',
    ],
    [['configs', '--out', 'x'], 'cdktf.out does not exist or is not a folder'],
    [['configs', '.', '--out', 'x'], '. has no stacks/<name>/cdk.tf.json'],
    [['configs', '.', '--out', 'with space', '--local-paths'], 'must consist of letters, digits'],
  ])('exits 2 with a message for %j', (args, message) => {
    const result = webfarm(args, tempDir());
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });
});

describe('lib/cli layering', () => {
  const cliDir = path.join(ROOT, 'lib', 'cli');

  it('imports neither cdktf, constructs, lib/openstack nor lib/core at run time', () => {
    const offenders = fs
      .readdirSync(cliDir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        [...read(cliDir, f).matchAll(/^import (?!type )[^;]*from '([^']+)'/gm)]
          .map((m) => m[1])
          .filter((m) => /^(cdktf|constructs)$|\/(openstack|core|config)\//.test(m))
          .map((m) => `${f}: ${m}`),
      );
    expect(offenders).toEqual([]);
  });

  it('loads no cdktf or constructs module when the command starts', () => {
    const script = `
      require(${JSON.stringify(path.join(ROOT, 'scripts', 'register-ts.js'))});
      require(${JSON.stringify(path.join(cliDir, 'main.ts'))});
      const loaded = Object.keys(require.cache).filter((k) => /node_modules\\/(cdktf|constructs)\\/|\\/lib\\/(core|openstack)\\//.test(k));
      process.stdout.write(JSON.stringify(loaded));`;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([]);
  });
});
