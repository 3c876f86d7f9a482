import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { App, Fn, LocalBackend, TerraformStack } from '../../lib/core/cdk';
import { ConfigDelivery } from '../../lib/openstack/config-delivery';
import { HostFile } from '../../lib/core';
import { resourceManifest } from '../../lib/cli/stacks';
import { synthWithManifests } from '../e2e/balancer-fixture';
import { synthStack } from '../support/synth';
import { describeWithTools, run, tempDir } from '../support/tools';

describe('ConfigDelivery (synth)', () => {
  const files: HostFile[] = [
    { path: '/etc/nginx/webfarm/pools/web.conf', content: 'upstream web { server ${literal}; }\n' },
  ];

  function deliver(content: string, synth = synthStack) {
    return synth((app: App) => {
      const stack = new TerraformStack(app, 'delivery');
      new ConfigDelivery(stack, 'Nginx', {
        instance: { id: 'instance-1', image: 'debian-12' },
        address: '198.51.100.7',
        ssh: { user: 'debian', privateKey: 'KEY', bastion: { host: '198.51.100.8' } },
        hostName: 'lb',
        role: 'nginx-balancer',
        name: 'nginx',
        files: [{ ...files[0], content }],
        managedDirectories: [{ path: '/etc/nginx/webfarm/pools', pattern: '*.conf' }],
        check: 'nginx -t -q',
        reload: 'systemctl reload nginx',
      });
      return stack;
    });
  }

  it('uploads each file, then runs the install script as root, over the bastion', () => {
    const json = deliver(files[0].content);
    const data = Object.values(json.resource!.terraform_data)[0];
    const provisioners = data.provisioner as Array<Record<string, Record<string, unknown>>>;
    expect(provisioners.map((p) => Object.keys(p)[0])).toEqual([
      'remote-exec',
      'file',
      'file',
      'remote-exec',
    ]);
    expect(provisioners[1].file).toEqual({
      content: 'upstream web { server $${literal}; }\n',
      destination: '/var/tmp/webfarm-nginx/1',
    });
    expect(provisioners[2].file.destination).toBe('/var/tmp/webfarm-nginx/apply.sh');
    expect(data.connection).toMatchObject({
      type: 'ssh',
      host: '198.51.100.7',
      user: 'debian',
      bastion_host: '198.51.100.8',
      bastion_user: 'debian',
      bastion_private_key: 'KEY',
    });
    // The trigger: the hash of the literal text, computed at synth, the references (none here)
    // and the instance's identity.
    expect(data.triggers_replace).toEqual({
      config_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      references: [],
      instance_id: 'instance-1',
      instance_image: 'debian-12',
    });
  });

  it('GIVEN a staging directory left by an interrupted push, owned partly by root WHEN a non-root login user pushes again THEN the first step clears it through sudo', () => {
    // GIVEN the first provisioner's command, and a fake host where the login user is not root
    const json = deliver(files[0].content);
    const data = Object.values(json.resource!.terraform_data)[0];
    const provisioners = data.provisioner as Array<Record<string, Record<string, string[]>>>;
    const [prepare] = provisioners[0]['remote-exec'].inline;
    const dir = tempDir('webfarm-stage-');
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const log = path.join(dir, 'sudo.log');
    // `id -u` says 1000; `rm` refuses what root wrote unless run through sudo, as on the host.
    fs.writeFileSync(path.join(bin, 'id'), '#!/bin/sh\necho 1000\n', { mode: 0o755 });
    fs.writeFileSync(
      path.join(bin, 'sudo'),
      `#!/bin/sh\n[ "$1" = -n ] && shift\necho "$*" >>${log}\nWEBFARM_AS_ROOT=1 exec "$@"\n`,
      { mode: 0o755 },
    );
    fs.writeFileSync(
      path.join(bin, 'rm'),
      '#!/bin/sh\nif [ -z "$WEBFARM_AS_ROOT" ]; then echo "rm: Permission denied" >&2; exit 1; fi\nexec /bin/rm "$@"\n',
      { mode: 0o755 },
    );
    const stageDir = path.join(dir, 'var/tmp/webfarm-nginx');
    fs.mkdirSync(path.join(stageDir, 'backup/etc/nginx'), { recursive: true });
    const command = prepare.split('/var/tmp/webfarm-nginx').join(stageDir);
    // WHEN
    const result = spawnSync('sh', ['-c', command], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    // THEN
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(fs.readFileSync(log, 'utf8')).toContain(`rm -rf ${stageDir}`);
    expect(fs.readdirSync(stageDir)).toEqual([]);
    expect(fs.statSync(stageDir).mode & 0o777).toBe(0o700);
  });

  it('records each file in the manifest by its upload: the text is in the stack once', () => {
    const content = 'upstream web { server 10.0.0.1:8080; }  # one-of-a-kind marker\n';
    const json = deliver(content, synthWithManifests);
    const data = Object.values(json.resource!.terraform_data)[0];
    const manifest = (data['//'] as { webfarm: { files: Array<Record<string, unknown>> } }).webfarm;
    expect(manifest.files).toEqual([
      {
        path: '/etc/nginx/webfarm/pools/web.conf',
        owner: 'root:root',
        mode: '0644',
        content: { upload: '/var/tmp/webfarm-nginx/1' },
      },
    ]);
    expect(JSON.stringify(json).split('one-of-a-kind marker').length - 1).toBe(1);
    // What `webfarm configs` and `webfarm review` read: the upload's text.
    expect(resourceManifest(data, 'terraform_data.x', 'cdk.tf.json')?.files[0].content).toBe(content);
  });

  it('changes only the trigger hash when a file changes', () => {
    const a = Object.values(deliver('upstream web { server 10.0.0.1:80; }\n').resource!.terraform_data)[0];
    const b = Object.values(deliver('upstream web { server 10.0.0.2:80; }\n').resource!.terraform_data)[0];
    expect(a.triggers_replace).not.toEqual(b.triggers_replace);
    expect(a.connection).toEqual(b.connection);
  });

  it('fails on a configuration name that is not lowercase letters, digits and "-"', () => {
    for (const name of ['Nginx', 'nginx pools', 'x/../y', '-nginx']) {
      const stack = new TerraformStack(new App(), 's');
      expect(
        () =>
          new ConfigDelivery(stack, 'Bad', {
            instance: { id: 'i' },
            address: 'x',
            ssh: { user: 'root' },
            hostName: 'h',
            role: 'r',
            name,
            files,
            check: 'true',
            reload: 'true',
          }),
      ).toThrow(
        `s/Bad: name ${JSON.stringify(name)} is not allowed; allowed: lowercase letters, digits and "-". Fix: name the configuration like "nginx"`,
      );
    }
  });

  it('fails on no files with the fix', () => {
    const stack = new TerraformStack(new App(), 's');
    expect(
      () =>
        new ConfigDelivery(stack, 'Empty', {
          instance: { id: 'i' },
          address: 'x',
          ssh: { user: 'root' },
          hostName: 'h',
          role: 'r',
          name: 'nginx',
          files: [],
          check: 'true',
          reload: 'true',
        }),
    ).toThrow('s/Empty: files [] is not allowed; allowed: at least one file. Fix: give the files to push');
  });
});

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} did not open`);
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      })
      .once('error', reject);
  });
}

describeWithTools(
  ['terraform', 'sshd', 'ssh-keygen', 'nginx', 'scp'],
  'ConfigDelivery pushes for real: terraform → loopback sshd → nginx',
  () => {
    const dir = tempDir('webfarm-delivery-');
    const root = path.join(dir, 'root');
    const work = path.join(dir, 'work');
    const conf = path.join(root, 'etc/nginx/nginx.conf');
    const pools = path.join(root, 'etc/nginx/webfarm/pools');
    const env = {
      ...process.env,
      TF_CLI_CONFIG_FILE: '/dev/null',
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
    };
    const children: ChildProcess[] = [];
    const servers: http.Server[] = [];
    let sshPort = 0;
    let listenPort = 0;
    const backendPorts: number[] = [];

    beforeAll(async () => {
      fs.mkdirSync(work, { recursive: true });
      fs.mkdirSync('/run/sshd', { recursive: true });
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'id')]);
      fs.copyFileSync(path.join(dir, 'id.pub'), path.join(dir, 'authorized_keys'));
      sshPort = await freePort();
      fs.writeFileSync(
        path.join(dir, 'sshd_config'),
        [
          `Port ${sshPort}`,
          'ListenAddress 127.0.0.1',
          `HostKey ${path.join(dir, 'host_key')}`,
          `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
          `PidFile ${path.join(dir, 'sshd.pid')}`,
          'PermitRootLogin prohibit-password',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'StrictModes no',
          'UsePAM no',
          'Subsystem sftp internal-sftp',
          '',
        ].join('\n'),
      );
      const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')], {
        stdio: 'ignore',
      });
      children.push(sshd);
      for (const name of ['a', 'b']) {
        const server = http.createServer((_req, res) => res.end(`backend-${name}`));
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        servers.push(server);
        backendPorts.push((server.address() as net.AddressInfo).port);
      }
      listenPort = await freePort();
      await waitForPort(sshPort);
    });

    afterAll(async () => {
      const pidFile = path.join(root, 'run/nginx.pid');
      const pid = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : '');
      if (Number.isInteger(pid) && pid > 1) {
        try {
          process.kill(pid, 'SIGQUIT');
        } catch {
          // already gone
        }
      }
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      fs.rmSync(dir, { recursive: true, force: true });
    });

    function nginxConf(): string {
      return [
        `pid ${root}/run/nginx.pid;`,
        `error_log ${root}/var/log/nginx/error.log;`,
        'events { worker_connections 64; }',
        'http {',
        `  access_log off;`,
        `  client_body_temp_path ${root}/var/tmp/body;`,
        `  proxy_temp_path ${root}/var/tmp/proxy;`,
        `  fastcgi_temp_path ${root}/var/tmp/fastcgi;`,
        `  uwsgi_temp_path ${root}/var/tmp/uwsgi;`,
        `  scgi_temp_path ${root}/var/tmp/scgi;`,
        `  include ${pools}/*.conf;`,
        `  server { listen 127.0.0.1:${listenPort}; location / { proxy_pass http://web; } }`,
        '}',
        '',
      ].join('\n');
    }

    /** Synthesizes one step of the delivery and applies it with the state kept in `work`. */
    function apply(
      poolFile: string,
      extra: HostFile[] = [],
      instanceId = 'loopback-1',
    ): { ok: boolean; output: string } {
      const outdir = tempDir('webfarm-delivery-synth-');
      const app = new App({ outdir });
      const stack = new TerraformStack(app, 'push');
      new LocalBackend(stack, { path: path.join(work, 'terraform.tfstate') });
      const start = `if [ -s ${root}/run/nginx.pid ]; then nginx -c ${conf} -s reload; else nginx -c ${conf}; fi`;
      new ConfigDelivery(stack, 'Nginx', {
        instance: { id: instanceId },
        address: '127.0.0.1',
        ssh: { user: 'root', privateKey: Fn.file(path.join(dir, 'id')), port: sshPort },
        hostName: 'lb',
        role: 'nginx-balancer',
        name: 'nginx',
        files: [
          { path: conf, content: nginxConf() },
          { path: `${pools}/web.conf`, content: poolFile },
          ...extra,
        ],
        managedDirectories: [{ path: pools, pattern: '*.conf' }],
        check: `mkdir -p ${root}/run ${root}/var/log/nginx ${root}/var/tmp && nginx -t -q -c ${conf}`,
        reload: start,
        waitForCloudInit: false,
      });
      app.synth();
      fs.copyFileSync(path.join(outdir, 'stacks/push/cdk.tf.json'), path.join(work, 'cdk.tf.json'));
      fs.rmSync(outdir, { recursive: true, force: true });
      if (!fs.existsSync(path.join(work, '.terraform')))
        run('terraform', ['init', '-input=false', '-no-color'], { cwd: work, env });
      try {
        return {
          ok: true,
          output: run('terraform', ['apply', '-auto-approve', '-input=false', '-no-color'], {
            cwd: work,
            env,
          }),
        };
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string };
        return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
      }
    }

    const upstream = (ports: number[]) =>
      `upstream web {\n${ports.map((p) => `  server 127.0.0.1:${p};`).join('\n')}\n}\n`;

    it('first push installs the files and starts serving the pool', async () => {
      const result = apply(upstream([backendPorts[0]]));
      expect(result.output).toContain("webfarm: 'nginx' configuration installed and reloaded");
      expect(result.ok).toBe(true);
      await waitForPort(listenPort);
      expect(await get(listenPort)).toBe('backend-a');
    });

    it('a changed pool is pushed in place and the new node serves traffic', async () => {
      const extra = [{ path: `${pools}/old.conf`, content: '# a pool that goes away next\n' }];
      expect(apply(upstream(backendPorts), extra).ok).toBe(true);
      const seen = new Set<string>();
      for (let i = 0; i < 20 && seen.size < 2; i++) seen.add(await get(listenPort));
      expect([...seen].sort()).toEqual(['backend-a', 'backend-b']);
      expect(fs.existsSync(`${pools}/old.conf`)).toBe(true);
    });

    it('a config that fails nginx -t is rejected and the previous files stay in place', async () => {
      const before = fs.readFileSync(`${pools}/web.conf`, 'utf8');
      const result = apply('upstream web { server 127.0.0.1:notaport; }\n');
      expect(result.ok).toBe(false);
      expect(result.output).toContain('the check rejected the new');
      expect(fs.readFileSync(`${pools}/web.conf`, 'utf8')).toBe(before);
      expect(fs.existsSync(`${pools}/old.conf`)).toBe(true);
      expect(['backend-a', 'backend-b']).toContain(await get(listenPort));
    });

    it('a pool no longer pushed is removed from the managed directory', async () => {
      expect(apply(upstream([backendPorts[1]])).ok).toBe(true);
      expect(fs.readdirSync(pools)).toEqual(['web.conf']);
      expect(await get(listenPort)).toBe('backend-b');
    });

    it('the same files are pushed again to a replaced instance (new id, first-boot disk)', async () => {
      const pool = upstream([backendPorts[1]]);
      // Same files, same instance: nothing to do.
      const unchanged = apply(pool);
      expect(unchanged.ok).toBe(true);
      expect(unchanged.output).toContain('0 added, 0 changed, 0 destroyed');
      // A new instance boots with its first-boot files only: the pool file is not there.
      fs.rmSync(`${pools}/web.conf`);
      const replaced = apply(pool, [], 'loopback-2');
      expect(replaced.output).toContain("webfarm: 'nginx' configuration installed and reloaded");
      expect(replaced.ok).toBe(true);
      expect(fs.readFileSync(`${pools}/web.conf`, 'utf8')).toBe(pool);
      expect(await get(listenPort)).toBe('backend-b');
    });
  },
);
