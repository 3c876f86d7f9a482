import * as fs from 'fs';
import * as fc from 'fast-check';
import { CloudConfig, mergeCloudConfigs, renderCloudConfig } from '../../lib/config/cloud-init';
import { ValidationError } from '../../lib/core';
import { expectGolden } from '../support/golden';
import { describeWithTools, run } from '../support/tools';

const WORKER: CloudConfig = {
  hostname: 'web-1',
  users: [
    'default',
    {
      name: 'ops',
      groups: ['adm', 'sudo'],
      sudo: 'ALL=(ALL) NOPASSWD:ALL',
      sshAuthorizedKeys: ['ssh-ed25519 AAAAC3Nza example'],
    },
  ],
  packages: ['nginx', 'nfs-common'],
  writeFiles: [
    { path: '/etc/webfarm/web.env', content: 'A=\'quoted "value" with $dollar\'\n', permissions: '0600' },
    {
      path: '/etc/nginx/conf.d/app.conf',
      content: 'server { listen 8080; location / { return 200 "${host}\\n"; } }\n',
      defer: true,
      owner: 'root:root',
    },
  ],
  mounts: [['192.0.2.10:/srv/images', '/srv/images', 'nfs4', 'defaults,_netdev,nofail', '0', '0']],
  runcmd: [['systemctl', 'enable', '--now', 'nginx'], 'echo "booted" > /var/log/webfarm-boot'],
};

/** The Python cloud-init runs on (the distribution's, with its PyYAML). */
const CLOUD_INIT_PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Parses YAML the way cloud-init does (PyYAML safe_load) and returns it as JSON. */
function pyyaml(text: string): unknown {
  return JSON.parse(
    run(
      CLOUD_INIT_PYTHON,
      ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'],
      {
        input: text,
      },
    ),
  );
}

describe('renderCloudConfig', () => {
  it('renders the worker document as the golden file', () => {
    expectGolden('cloud-init', 'worker.yaml', renderCloudConfig(WORKER));
  });

  it('merges fragments: lists concatenated in order, packages once, later scalars win', () => {
    const merged = mergeCloudConfigs(
      { packages: ['a'], runcmd: ['one'], hostname: 'x' },
      { packages: ['b', 'a'], runcmd: ['two'], hostname: 'y' },
    );
    expect(merged).toEqual({ packages: ['a', 'b'], runcmd: ['one', 'two'], hostname: 'y' });
  });

  it('fails on a relative write_files path', () => {
    expect(() => renderCloudConfig({ writeFiles: [{ path: 'etc/x', content: '' }] })).toThrow(
      'cloud-init: write_files path "etc/x" is not allowed; allowed: an absolute path of letters, digits and ._@+/- without "." or ".." parts, naming a file. Fix: give the absolute path of the file on the host',
    );
  });

  it('fails on a path written twice', () => {
    expect(() =>
      renderCloudConfig({
        writeFiles: [
          { path: '/etc/x', content: 'a' },
          { path: '/etc/x', content: 'b' },
        ],
      }),
    ).toThrow(
      'cloud-init: write_files path "/etc/x" is not allowed; allowed: each path once. Fix: merge the two files into one, or write them to different paths',
    );
  });

  it('fails on a package name that is not one', () => {
    expect(() => renderCloudConfig({ packages: ['nginx; rm -rf /'] })).toThrow(ValidationError);
    expect(() => renderCloudConfig({ packages: ['nginx; rm -rf /'] })).toThrow(
      /package "nginx; rm -rf \/" is not allowed; allowed: a Debian package name/,
    );
  });

  it('fails on a mode that is not octal and an owner that is not user:group', () => {
    expect(() =>
      renderCloudConfig({ writeFiles: [{ path: '/etc/x', content: '', permissions: '644x' }] }),
    ).toThrow(/permissions of \/etc\/x "644x" is not allowed; allowed: an octal mode/);
    expect(() =>
      renderCloudConfig({ writeFiles: [{ path: '/etc/x', content: '', owner: 'root root' }] }),
    ).toThrow(/owner of \/etc\/x "root root" is not allowed; allowed: "user" or "user:group"/);
  });
});

describe('the cloud-config emitter (the yaml package)', () => {
  it("writes every string as the canonical JSON string, so no host's user data changes with the emitter", () => {
    // GIVEN arbitrary text (seed printed and fixed: a failure reproduces)
    const seed = 11;
    const texts = fc.sample(fc.string({ unit: 'binary', maxLength: 60 }), { numRuns: 300, seed });
    texts.push('x'.repeat(500) + ' long enough to fold', '\u0085\u2028\ufeff', 'key: value # not a comment');
    // WHEN rendered
    const lines = renderCloudConfig({
      writeFiles: texts.map((content, i) => ({ path: `/tmp/webfarm/${i}`, content })),
    })
      .split('\n')
      .filter((l) => l.startsWith('    content: '))
      .map((l) => l.slice('    content: '.length));
    // THEN each is one line holding JSON.stringify's text, unprintables as \\uXXXX (the format
    // webfarm wrote before it used the yaml package)
    expect(lines).toHaveLength(texts.length);
    lines.forEach((written, i) => {
      const canonical = JSON.stringify(texts[i]).replace(
        /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
      if (written !== canonical)
        throw new Error(`seed ${seed}: text ${JSON.stringify(texts[i])} written as ${written}`);
    });
  });
});

describeWithTools(['cloud-init', 'python3'], 'cloud-init reads what we render', () => {
  it('accepts the golden document (cloud-init schema)', () => {
    const file = expectGolden('cloud-init', 'worker.yaml', renderCloudConfig(WORKER));
    expect(run('cloud-init', ['schema', '--config-file', file])).toContain('Valid');
  });

  it('reads any file content and command back byte for byte (PyYAML, as cloud-init)', () => {
    // GIVEN arbitrary text, control and non-ASCII characters included, as files and commands
    const texts = fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), { numRuns: 300, seed: 7 });
    texts.push(
      '',
      '\u007f\u0085\u009f\u2028\u2029\ufeff\ufffe\uffff',
      '\ud800 lone',
      '#{ %{ ${ } "\'\\',
      '---\n...\n- a: b',
    );
    const config: CloudConfig = {
      writeFiles: texts.map((content, i) => ({ path: `/tmp/webfarm/${i}`, content })),
      runcmd: texts.map((t) => ['printf', '%s', t]),
    };
    // WHEN rendered and parsed as cloud-init parses it
    const parsed = pyyaml(renderCloudConfig(config)) as {
      write_files: Array<{ content: string }>;
      runcmd: string[][];
    };
    // THEN every text arrives unchanged
    expect(parsed.write_files.map((f) => f.content)).toEqual(texts);
    expect(parsed.runcmd.map((c) => c[2])).toEqual(texts);
  });
});
