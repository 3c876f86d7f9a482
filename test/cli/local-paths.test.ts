import { spawnSync } from 'child_process';
import { createPrivateKey, X509Certificate } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import {
  addNginxTempPaths,
  classifyUse,
  findPathUses,
  NeedKind,
  prepareLocalFiles,
  rewriteHostPaths,
} from '../../lib/cli/local-paths';
import { HostManifestFile } from '../../lib/cli/configs';
import { main } from '../../lib/cli/main';
import { describeWithTools, tempDir } from '../support/tools';
import { STACK, synthFixture } from './fixture';

const ROOT_DIR = '/out/s/h';
const IS_ROOT = process.getuid?.() === 0;

describe('rewriteHostPaths', () => {
  it.each([
    ['include /etc/nginx/pools/*.conf;', `include ${ROOT_DIR}/etc/nginx/pools/*.conf;`],
    ['pid /run/nginx.pid;', `pid ${ROOT_DIR}/run/nginx.pid;`],
    ['PIDFile=/run/app.pid', `PIDFile=${ROOT_DIR}/run/app.pid`],
    ['server unix:/run/app.sock;', `server unix:${ROOT_DIR}/run/app.sock;`],
    ['root /usr/share/nginx/html;', `root ${ROOT_DIR}/usr/share/nginx/html;`],
    ['script "/etc/keepalived/check.sh"', `script "${ROOT_DIR}/etc/keepalived/check.sh"`],
    ["alias '/srv/www/';", `alias '${ROOT_DIR}/srv/www/';`],
    ['access_log /var/log/nginx/$host.log;', `access_log ${ROOT_DIR}/var/log/nginx/$host.log;`],
    ['content: "a\\n/etc/x.conf"', `content: "a\\n${ROOT_DIR}/etc/x.conf"`],
    ['/opt/app/bin/run', `${ROOT_DIR}/opt/app/bin/run`],
  ])('rewrites %s', (text, expected) => {
    expect(rewriteHostPaths(text, ROOT_DIR)).toBe(expected);
  });

  it.each([
    'proxy_pass http://backend/etc/passwd;',
    'return 301 https://example.org/var/x;',
    'ExecStart=/usr/sbin/nginx -g "daemon off;"',
    'log /dev/log local0',
    'path /etcetera/x',
    'file:///etc/x',
  ])('leaves %s alone', (text) => {
    expect(rewriteHostPaths(text, ROOT_DIR)).toBe(text);
  });
});

describe('what a named path needs', () => {
  const kind = (line: string, file = '/etc/x.conf'): NeedKind[] => findPathUses(line, file).map(classifyUse);

  it.each<[string, NeedKind]>([
    ['include /etc/nginx/pools/*.conf;', 'glob'],
    ['ssl_certificate /etc/ssl/a.crt;', 'certificate'],
    ['ssl_certificate_key /etc/ssl/a.key;', 'key'],
    ['ssl_certificate /etc/ssl/a.pem;', 'certificate-and-key'],
    ['bind :443 ssl crt /etc/haproxy/certs/site.pem alpn h2', 'certificate-and-key'],
    ['bind :443 ssl crt /etc/haproxy/certs/', 'certificate-directory'],
    ['server s 10.0.0.1:443 ssl verify required ca-file /etc/ssl/ca.crt', 'certificate'],
    ['tls-cert-file /etc/redis/tls/redis.crt', 'certificate'],
    ['tls-key-file /etc/redis/tls/redis.key', 'key'],
    ['chroot /var/lib/haproxy', 'directory'],
    ['dir /var/lib/redis', 'directory'],
    ['proxy_cache_path /var/cache/nginx levels=1:2 keys_zone=c:10m;', 'directory'],
    ['error_log /var/log/nginx/error.log warn;', 'output'],
    ['stats socket /run/haproxy/admin.sock mode 660', 'output'],
    ['pidfile /run/redis/redis.pid', 'output'],
    ['include /etc/nginx/mime.types;', 'input'],
    ['errorfile 503 /etc/haproxy/errors/503.http', 'input'],
    ['script "/etc/keepalived/check.sh"', 'other'],
  ])('%s → %s', (line, expected) => {
    expect(kind(line)).toEqual([expected]);
  });

  it('resolves nginx’s relative includes against /etc/nginx', () => {
    expect(findPathUses('include mime.types;\ninclude conf.d/*.conf;', '/etc/nginx/nginx.conf')).toEqual([
      { path: '/etc/nginx/mime.types', directive: 'include', previous: 'include' },
      { path: '/etc/nginx/conf.d/*.conf', directive: 'include', previous: 'include' },
    ]);
  });
});

describe('prepareLocalFiles', () => {
  it('makes folders, a matching throw-away certificate and key, and copies or stubs included files', () => {
    // GIVEN a config naming a glob, a log, a data folder, a certificate pair, a HAProxy pem,
    // an included file this "machine" has and one it lacks, and a file a manifest provides
    const machine = tempDir();
    fs.mkdirSync(path.join(machine, 'etc/nginx'), { recursive: true });
    fs.writeFileSync(path.join(machine, 'etc/nginx/mime.types'), 'types { text/html html; }\n');
    const hostRoot = tempDir();
    const text = [
      'include /etc/nginx/pools/*.conf;',
      'include /etc/nginx/mime.types;',
      'include /etc/nginx/missing.conf;',
      'error_log /var/log/nginx/error.log;',
      'root /srv/www;',
      'ssl_certificate /etc/ssl/lb.crt;',
      'ssl_certificate_key /etc/ssl/lb.key;',
      'bind :443 ssl crt /etc/haproxy/site.pem',
      'include /etc/nginx/provided.conf;',
    ].join('\n');
    // WHEN the local files are prepared
    const made = prepareLocalFiles({
      hostRoot,
      uses: findPathUses(text, '/etc/nginx/nginx.conf'),
      provided: new Set(['/etc/nginx/provided.conf']),
      machineRoot: machine,
    });
    // THEN each need is met and listed
    expect(made).toEqual([
      { path: '/etc/haproxy/site.pem', kind: 'self-signed certificate and key' },
      { path: '/etc/nginx/mime.types', kind: 'copied from this machine' },
      { path: '/etc/nginx/missing.conf', kind: 'placeholder' },
      { path: '/etc/nginx/pools', kind: 'directory' },
      { path: '/etc/ssl/lb.crt', kind: 'self-signed certificate' },
      { path: '/etc/ssl/lb.key', kind: 'self-signed key' },
      { path: '/srv/www', kind: 'directory' },
    ]);
    const local = (p: string) => path.join(hostRoot, p);
    expect(fs.readFileSync(local('/etc/nginx/mime.types'), 'utf8')).toContain('text/html');
    expect(fs.readFileSync(local('/etc/nginx/missing.conf'), 'utf8')).toBe('');
    expect(fs.existsSync(local('/etc/nginx/provided.conf'))).toBe(false);
    expect(fs.statSync(local('/var/log/nginx')).isDirectory()).toBe(true);
    expect(fs.existsSync(local('/var/log/nginx/error.log'))).toBe(false);
    // AND the certificate and key belong together, also inside the combined pem
    const cert = new X509Certificate(fs.readFileSync(local('/etc/ssl/lb.crt')));
    expect(cert.subject).toBe('CN=localhost');
    expect(cert.checkPrivateKey(createPrivateKey(fs.readFileSync(local('/etc/ssl/lb.key'))))).toBe(true);
    const pem = fs.readFileSync(local('/etc/haproxy/site.pem'), 'utf8');
    expect(pem).toMatch(/-----BEGIN CERTIFICATE-----[\s\S]+-----BEGIN PRIVATE KEY-----/);
    expect(fs.statSync(local('/etc/ssl/lb.key')).mode & 0o777).toBe(0o600);
  });
});

describe('addNginxTempPaths', () => {
  it('adds the temp paths a main config does not set, inside http {}', () => {
    const conf = 'events {}\nhttp {\n    proxy_temp_path /x/proxy;\n    server {}\n}\n';
    const result = addNginxTempPaths(conf, '/out/h');
    expect(result.added).toEqual([
      'client_body_temp_path',
      'fastcgi_temp_path',
      'uwsgi_temp_path',
      'scgi_temp_path',
    ]);
    expect(result.content).toBe(
      'events {}\nhttp {\n' +
        '    client_body_temp_path /out/h/var/lib/nginx/body;\n' +
        '    fastcgi_temp_path /out/h/var/lib/nginx/fastcgi;\n' +
        '    uwsgi_temp_path /out/h/var/lib/nginx/uwsgi;\n' +
        '    scgi_temp_path /out/h/var/lib/nginx/scgi;\n' +
        '    proxy_temp_path /x/proxy;\n    server {}\n}\n',
    );
    expect(addNginxTempPaths('upstream a { server b; }\n', '/out/h').added).toEqual([]);
  });
});

/** The fixture's output with --local-paths, made once for the daemon checks. */
function localOutput(cdktfOut: string): string {
  const out = tempDir('webfarm-cli-local-');
  let stderr = '';
  const status = main(['configs', cdktfOut, '--out', out, '--local-paths'], {
    stdout: () => undefined,
    stderr: (t) => (stderr += t),
    cwd: out,
  });
  if (status !== 0) throw new Error(`webfarm configs --local-paths failed: ${stderr}`);
  return path.join(out, STACK);
}

function check(cmd: string, args: string[]): { status: number; output: string } {
  const result = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60000 });
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

describe('webfarm configs --local-paths: Unix socket paths', () => {
  it('WHEN OUT is so deep that a socket path would exceed 97 characters THEN exit 2 names it and the fix', () => {
    const cdktfOut = synthFixture();
    const deep = path.join(tempDir('webfarm-cli-deep-'), 'd'.repeat(60));
    let stderr = '';
    const status = main(['configs', cdktfOut, '--out', deep, '--local-paths'], {
      stdout: () => undefined,
      stderr: (t) => (stderr += t),
      cwd: deep,
    });
    expect(status).toBe(2);
    const local = path.join(deep, STACK, 'edge', '/run/haproxy/admin.sock');
    expect(stderr).toContain(`--local-paths: the socket /run/haproxy/admin.sock becomes `);
    expect(stderr).toMatch(
      /\(\d+ characters\), but Unix socket paths may have at most 97; give a shorter --out/,
    );
    expect(local.length).toBeGreaterThan(97);
  });
});

describe('webfarm configs --local-paths', () => {
  let cdktfOut: string;
  let stackDir: string;
  beforeAll(() => {
    cdktfOut = synthFixture();
    stackDir = localOutput(cdktfOut);
  });

  it('lists what it made and the local check commands in the manifest', () => {
    const lb = JSON.parse(
      fs.readFileSync(path.join(stackDir, 'lb/webfarm-manifest.json'), 'utf8'),
    ) as HostManifestFile;
    expect(lb.localRoot).toBe(path.join(stackDir, 'lb'));
    // The pools folder holds a manifest file, so it is no extra; mime.types comes from this
    // machine's nginx when it has one.
    expect(lb.localFiles).toEqual([
      {
        path: '/etc/nginx/mime.types',
        kind: fs.existsSync('/etc/nginx/mime.types') ? 'copied from this machine' : 'placeholder',
      },
      { path: '/etc/ssl/webfarm/lb.crt', kind: 'self-signed certificate' },
      { path: '/etc/ssl/webfarm/lb.key', kind: 'self-signed key' },
      { path: '/srv/www', kind: 'directory' },
    ]);
    expect(lb.files.find((f) => f.path === '/etc/nginx/nginx.conf')?.localChanges).toEqual([
      'added client_body_temp_path, proxy_temp_path, fastcgi_temp_path, uwsgi_temp_path, scgi_temp_path (under OUT)',
    ]);
    const pool = lb.files.find((f) => f.path === '/etc/nginx/webfarm/pools/web.conf');
    expect(pool?.localCheck).toBe(`nginx -t -c ${path.join(stackDir, 'lb/etc/nginx/nginx.conf')}`);
    const nginx = fs.readFileSync(path.join(stackDir, 'lb/etc/nginx/nginx.conf'), 'utf8');
    expect(nginx).toContain(`include ${stackDir}/lb/etc/nginx/webfarm/pools/*.conf;`);
    expect(nginx).toContain(`pid ${stackDir}/lb/run/nginx.pid;`);
    expect(nginx).not.toMatch(/[\s'"](\/etc|\/var|\/run|\/srv)\//);
  });

  describeWithTools(['nginx'], 'nginx -t', () => {
    it('accepts the balancer’s nginx.conf with its pools, and logs under OUT', () => {
      const conf = path.join(stackDir, 'lb/etc/nginx/nginx.conf');
      const result = check('nginx', ['-t', '-c', conf]);
      expect(result.output).toContain('syntax is ok');
      if (IS_ROOT) {
        expect(result.output).toContain('test is successful');
        expect(result.status).toBe(0);
      } else {
        // A non-root user cannot bind the listeners' ports 80/443; everything else must pass.
        const emergencies = result.output
          .split('\n')
          .filter((l) => /\[emerg\]/.test(l) && !/bind\(\) to \S+ failed \(13: Permission denied\)/.test(l));
        expect(emergencies).toEqual([]);
      }
      expect(fs.existsSync(path.join(stackDir, 'lb/var/log/nginx/error.log'))).toBe(true);
    });
  });

  describeWithTools(['haproxy'], 'haproxy -c', () => {
    it('accepts the edge’s haproxy.cfg with its throw-away pem and copied error file', () => {
      const result = check('haproxy', ['-c', '-f', path.join(stackDir, 'edge/etc/haproxy/haproxy.cfg')]);
      expect(result.output).toContain('Configuration file is valid');
      expect(result.status).toBe(0);
    });

    it('rejects the same file without --local-paths: the check really reads what the paths name', () => {
      // GIVEN the same stack written without --local-paths (haproxy -c writes nothing, so
      // checking the host paths is harmless here)
      const plain = tempDir();
      const status = main(['configs', cdktfOut, '--out', plain], {
        stdout: () => undefined,
        stderr: () => undefined,
        cwd: plain,
      });
      expect(status).toBe(0);
      // WHEN haproxy checks it
      const result = check('haproxy', ['-c', '-f', path.join(plain, STACK, 'edge/etc/haproxy/haproxy.cfg')]);
      // THEN the certificate at the host's path is missing on this machine
      expect(result.output).toContain('/etc/haproxy/certs/edge.pem');
      expect(result.status).not.toBe(0);
    });
  });

  describeWithTools(['keepalived'], 'keepalived -t', () => {
    it('accepts keepalived.conf with its check script', () => {
      const conf = path.join(stackDir, 'lb/etc/keepalived/keepalived.conf');
      // keepalived -t exits 0 for a missing file; make sure it is there.
      expect(fs.existsSync(conf)).toBe(true);
      const result = check('keepalived', ['-t', '-f', conf]);
      if (IS_ROOT) {
        expect(result.output).toBe('');
        expect(result.status).toBe(0);
      } else {
        // keepalived's script security wants root-owned check scripts; nothing else may fail.
        expect(result.output.split('\n').filter((l) => l && !/due to insecure/.test(l))).toEqual([]);
      }
    });
  });

  describeWithTools(['cloud-init'], 'cloud-init schema', () => {
    it.each(['lb', 'edge'])('accepts %s’s user data', (host) => {
      const file = path.join(stackDir, host, 'var/lib/cloud/instance/user-data.txt');
      const result = check('cloud-init', ['schema', '--config-file', file]);
      expect(result.output).toContain('Valid cloud-config');
      expect(result.status).toBe(0);
    });
  });
});

describe('prepareLocalFiles: include globs', () => {
  it('copies the files this machine has for an include glob, and leaves provided ones alone', () => {
    // GIVEN a machine with two nginx module loaders and a config that includes them
    const machine = tempDir('webfarm-machine-');
    const hostRoot = tempDir('webfarm-host-');
    fs.mkdirSync(path.join(machine, 'etc/nginx/modules-enabled'), { recursive: true });
    fs.writeFileSync(
      path.join(machine, 'etc/nginx/modules-enabled/50-mod-stream.conf'),
      'load_module x.so;\n',
    );
    fs.writeFileSync(path.join(machine, 'etc/nginx/modules-enabled/README'), 'not a .conf\n');
    const uses = [{ path: '/etc/nginx/modules-enabled/*.conf', directive: 'include', previous: 'include' }];
    // WHEN the host folder is prepared
    const made = prepareLocalFiles({ hostRoot, uses, provided: new Set(), machineRoot: machine });
    // THEN the matching loader is copied, the other file is not
    expect(made).toContainEqual({
      path: '/etc/nginx/modules-enabled/50-mod-stream.conf',
      kind: 'copied from this machine',
    });
    expect(fs.readdirSync(path.join(hostRoot, 'etc/nginx/modules-enabled'))).toEqual(['50-mod-stream.conf']);
    // AND a file the manifests provide is never replaced by the machine's
    const again = tempDir('webfarm-host-');
    const provided = new Set(['/etc/nginx/modules-enabled/50-mod-stream.conf']);
    expect(
      prepareLocalFiles({ hostRoot: again, uses, provided, machineRoot: machine }).map((m) => m.kind),
    ).toEqual(['directory']);
  });
});
