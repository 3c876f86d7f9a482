import * as fs from 'fs';
import * as path from 'path';
import {
  KeepalivedConfig,
  KeepalivedInstance,
  keepalivedCheckCommand,
  renderKeepalived,
} from '../../lib/config/keepalived';
import { expectGoldenTree, substituteTokens, unroot, writeFiles } from '../support/backends';
import { ROOT, describeWithTools, run, tempDir } from '../support/tools';
import {
  KEEPALIVED_GOLDEN_CASES,
  hostInterface,
  keepalivedDump,
  privateNetworkAvailable,
} from './keepalived-harness';
import { expectRejected } from '../support/assert';

const GOLDEN = path.join(ROOT, 'test', 'golden', 'keepalived');

const instance = (overrides: Partial<KeepalivedInstance> = {}): KeepalivedInstance => ({
  name: 'vip',
  interface: 'eth0',
  virtualRouterId: 51,
  priority: 100,
  sourceAddress: '10.0.0.5',
  peers: ['10.0.0.6'],
  password: 'secret',
  virtualAddresses: ['10.0.0.100/24'],
  ...overrides,
});

const config = (overrides: Partial<KeepalivedConfig> = {}): KeepalivedConfig => ({
  routerId: 'lb-1',
  trackScript: { process: 'nginx' },
  instances: [instance()],
  ...overrides,
});

describe('renderKeepalived golden files', () => {
  it.each(Object.keys(KEEPALIVED_GOLDEN_CASES))(
    'GIVEN the %s model WHEN rendered THEN it matches test/golden/keepalived',
    (name) => {
      expectGoldenTree(path.join(GOLDEN, name), renderKeepalived(KEEPALIVED_GOLDEN_CASES[name]('', 'eth0')));
    },
  );
});

describe('renderKeepalived', () => {
  it('GIVEN defaults WHEN rendered THEN one unicast VRRP instance tracks the balancer process, in a 0600 file', () => {
    const [file] = renderKeepalived(config());
    expect(file.path).toBe('/etc/keepalived/keepalived.conf');
    expect(file.mode).toBe('0600');
    expect(file.content).toContain(
      [
        'global_defs {',
        '    router_id lb-1',
        '    # Scripts run as root, and only if no other user can change them.',
        '    enable_script_security',
        '    script_user root',
        '}',
      ].join('\n'),
    );
    expect(file.content).toContain(
      '    script "/usr/bin/pidof nginx"\n    interval 2\n    timeout 2\n    fall 2\n    rise 2\n',
    );
    expect(file.content).toContain(
      '    unicast_src_ip 10.0.0.5\n    unicast_peer {\n        10.0.0.6\n    }\n',
    );
    expect(file.content).toContain(
      '    authentication {\n        auth_type PASS\n        auth_pass secret\n    }\n',
    );
    expect(file.content).toContain('    track_script {\n        chk_balancer\n    }\n');
    expect(keepalivedCheckCommand()).toBe('keepalived --config-test -f /etc/keepalived/keepalived.conf');
  });

  it('GIVEN a password and addresses that are Terraform tokens WHEN rendered THEN they pass through, the password quoted', () => {
    const t = (n: number) => `\${TfToken[TOKEN.${n}]}`;
    const [file] = renderKeepalived(
      config({
        instances: [
          instance({ password: t(1), sourceAddress: t(2), peers: [t(3)], virtualAddresses: [t(4)] }),
        ],
      }),
    );
    expect(file.content).toContain(`        auth_pass "${t(1)}"\n`);
    expect(file.content).toContain(`    unicast_src_ip ${t(2)}\n`);
    expect(file.content).toContain(`        ${t(3)}\n`);
    expect(file.content).toContain(`    virtual_ipaddress {\n        ${t(4)}\n    }\n`);
  });

  it('GIVEN a password with spaces and "#" WHEN rendered THEN it is one quoted word', () => {
    expect(renderKeepalived(config({ instances: [instance({ password: 'a b#c!' })] }))[0].content).toContain(
      '        auth_pass "a b#c!"\n',
    );
  });
});

describe('renderKeepalived validation', () => {
  it('fails on an interface file that is not an absolute path', () => {
    expect(() =>
      renderKeepalived(config({ instances: [instance({ interface: { file: 'iface.conf' } })] })),
    ).toThrow(/keepalived instance 'vip': interface file "iface.conf" is not allowed/);
  });

  it('rejects a password longer than 8 characters, without printing it', () => {
    expectRejected(
      () => renderKeepalived(config({ instances: [instance({ password: 'ninechars' })] })),
      'keepalived instance \'vip\': password "(hidden)" is not allowed; allowed: 1 to 8 characters (VRRP carries at most 8). Fix: give a short shared secret, e.g. random_password with length = 8 and special = false',
    );
  });

  it('rejects a password with a double quote', () => {
    expectRejected(
      () => renderKeepalived(config({ instances: [instance({ password: 'a"b' })] })),
      'keepalived instance \'vip\': password "(hidden)" is not allowed; allowed: printable ASCII without `"` and `$`. Fix: remove the `"`: keepalived strings cannot contain their own quote',
    );
  });

  it('rejects a password with "$" (keepalived would expand it)', () => {
    expectRejected(
      () => renderKeepalived(config({ instances: [instance({ password: '$X' })] })),
      'keepalived instance \'vip\': password "(hidden)" is not allowed; allowed: printable ASCII without `"` and `$`. Fix: remove the "$": keepalived would expand it as a definition',
    );
  });

  it('rejects a password on an IPv6 instance (VRRP v3 has no authentication)', () => {
    expectRejected(
      () =>
        renderKeepalived(
          config({
            instances: [
              instance({
                sourceAddress: '2001:db8::5',
                peers: ['2001:db8::6'],
                password: 'x',
                virtualAddresses: ['2001:db8::100/64'],
              }),
            ],
          }),
        ),
      'keepalived instance \'vip\': password "(hidden)" is not allowed; allowed: no password on an IPv6 instance (VRRP v3 has no authentication). Fix: leave password out; keep VRRP traffic inside the security group of the pair',
    );
  });

  it('rejects an IPv4 instance without a password', () => {
    expectRejected(
      () => renderKeepalived(config({ instances: [instance({ password: undefined })] })),
      "keepalived instance 'vip': password (not set) is not allowed; allowed: a shared password of 1 to 8 characters on an IPv4 instance. Fix: give the same password on both peers, e.g. a random_password with length = 8 and special = false",
    );
  });

  it('rejects IPv4 and IPv6 addresses in one instance', () => {
    expectRejected(
      () => renderKeepalived(config({ instances: [instance({ virtualAddresses: ['2001:db8::100/64'] })] })),
      'keepalived instance \'vip\': address family ["10.0.0.5","10.0.0.6","2001:db8::100/64"] is not allowed; allowed: IPv4 or IPv6 addresses, not both, in one instance. Fix: make one VRRP instance per address family',
    );
  });

  it('rejects a router id outside 1–255', () => {
    expectRejected(
      () => renderKeepalived(config({ instances: [instance({ virtualRouterId: 300 })] })),
      "keepalived instance 'vip': virtualRouterId 300 is not allowed; allowed: an integer from 1 to 255. Fix: pick 1–255, the same on both peers",
    );
  });

  it('rejects two instances with one router id on one interface', () => {
    expectRejected(
      () => renderKeepalived(config({ instances: [instance(), instance({ name: 'vip2' })] })),
      "keepalived instance 'vip2': virtualRouterId 51 is not allowed; allowed: a router id not used on eth0 by another instance (instance 'vip' uses it). Fix: give each VRRP instance on an interface its own virtualRouterId",
    );
  });

  it('rejects an instance without peers', () => {
    expectRejected(
      () => renderKeepalived(config({ instances: [instance({ peers: [] })] })),
      "keepalived instance 'vip': peers [] is not allowed; allowed: at least one peer address. Fix: list the other balancer host(s)",
    );
  });

  it('rejects nopreempt on an instance that starts as MASTER', () => {
    expectRejected(
      () => renderKeepalived(config({ instances: [instance({ initialState: 'MASTER', preempt: false })] })),
      'keepalived instance \'vip\': preempt false is not allowed; allowed: preempt: false with initialState "BACKUP". Fix: keepalived ignores nopreempt on a MASTER; start as BACKUP',
    );
  });

  it('rejects a notify argument with a space (keepalived splits on spaces)', () => {
    expectRejected(
      () =>
        renderKeepalived(
          config({ instances: [instance({ notify: { master: ['/usr/local/bin/notify', 'two words'] } })] }),
        ),
      'keepalived instance \'vip\': notify master ["/usr/local/bin/notify","two words"] is not allowed; allowed: arguments of letters, digits and ._/:@+=,- (keepalived splits the command on spaces). Fix: pass the arguments without spaces or quotes, or wrap the command in a script file',
    );
  });

  it('rejects a track command without an absolute path', () => {
    expectRejected(
      () => renderKeepalived(config({ trackScript: { command: ['pidof', 'nginx'] } })),
      'keepalived trackScript: command ["pidof","nginx"] is not allowed; allowed: an absolute program path followed by its arguments. Fix: start with the full path of the program, e.g. ["/usr/bin/pidof", "nginx"]',
    );
  });

  it('rejects a track script with both a process and a command', () => {
    expectRejected(
      () => renderKeepalived(config({ trackScript: { process: 'nginx', command: ['/bin/true'] } })),
      'keepalived trackScript: process/command {"process":"nginx","command":["/bin/true"]} is not allowed; allowed: exactly one of `process` and `command`. Fix: give the balancer process name, e.g. process: "nginx", or a command',
    );
  });

  it('rejects a virtual address with an impossible prefix', () => {
    expectRejected(
      () => renderKeepalived(config({ instances: [instance({ virtualAddresses: ['10.0.0.100/33'] })] })),
      'keepalived instance \'vip\': virtualAddresses entry "10.0.0.100/33" is not allowed; allowed: an IP address, optionally with its prefix length: "10.0.0.100" or "10.0.0.100/24". Fix: give the virtual IP itself (a host address), not a network',
    );
  });

  it('rejects an interface name that smuggles text', () => {
    expectRejected(
      () => renderKeepalived(config({ instances: [instance({ interface: 'eth0; rm -rf' })] })),
      'keepalived instance \'vip\': interface "eth0; rm -rf" is not allowed; allowed: a Linux interface name (at most 15 characters). Fix: e.g. "eth0"',
    );
  });
});

describeWithTools(['keepalived'], 'keepalived accepts every golden file (keepalived --config-test)', () => {
  it.each(Object.keys(KEEPALIVED_GOLDEN_CASES))(
    'GIVEN the %s golden WHEN checked by keepalived -t THEN it passes',
    (name) => {
      const iface = hostInterface();
      const root = tempDir('webfarm-keepalived-');
      const files = renderKeepalived(KEEPALIVED_GOLDEN_CASES[name](root, iface));
      // The text keepalived checks is the golden text, re-rooted and on an interface this machine has.
      const back = unroot(files, root).map((f) => ({
        ...f,
        content: f.content.split(`interface ${iface}\n`).join('interface eth0\n'),
      }));
      expect(back).toEqual(renderKeepalived(KEEPALIVED_GOLDEN_CASES[name]('', 'eth0')));
      // A password reference resolves to 8 characters; addresses to documentation addresses.
      const seen = new Map([['${TfToken[TOKEN.3]}', 'pw8chars']]);
      writeFiles(files.map((f) => ({ ...f, content: substituteTokens(f.content, seen) })));
      expect(() => run('keepalived', ['--config-test', '-f', files[0].path])).not.toThrow();
      fs.rmSync(root, { recursive: true, force: true });
    },
  );

  it('GIVEN the interface named by a file THEN keepalived -t reads it through the include, and refuses a wrong name', () => {
    // GIVEN a configuration whose interface comes from a file the host writes at boot
    const root = tempDir('webfarm-keepalived-');
    const interfaceFile = path.join(root, 'interface.conf');
    const [file] = renderKeepalived({
      ...config({ instances: [instance({ interface: { file: interfaceFile } })] }),
      path: path.join(root, 'keepalived.conf'),
    });
    expect(file.content).toContain(`include ${interfaceFile}\n`);
    writeFiles([file]);
    // WHEN the file names an interface this machine has THEN the configuration is valid
    fs.writeFileSync(interfaceFile, `interface ${hostInterface()}\n`);
    expect(() => run('keepalived', ['--config-test', '-f', file.path])).not.toThrow();
    // WHEN it names one this machine does not have THEN keepalived refuses it (the include is read)
    fs.writeFileSync(interfaceFile, 'interface nosuch9\n');
    expect(() => run('keepalived', ['--config-test', '-f', file.path])).toThrow();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('GIVEN an unknown keyword WHEN checked THEN keepalived -t fails (the check is real)', () => {
    const root = tempDir('webfarm-keepalived-');
    const [file] = renderKeepalived(KEEPALIVED_GOLDEN_CASES['nginx-pair-primary'](root, hostInterface()));
    const seen = new Map([['${TfToken[TOKEN.3]}', 'pw8chars']]);
    writeFiles([
      { ...file, content: substituteTokens(file.content, seen).replace('advert_int', 'advert_every') },
    ]);
    expect(() => run('keepalived', ['--config-test', '-f', file.path])).toThrow(
      /Unknown keyword 'advert_every'/,
    );
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('GIVEN the rendered file WHEN keepalived runs it in a private network THEN it reads the password, peers and VIPs back', async () => {
    if (!privateNetworkAvailable()) return;
    const [file] = renderKeepalived(KEEPALIVED_GOLDEN_CASES['haproxy-pair-backup']('', 'i0'));
    const dump = await keepalivedDump(file.content);
    expect(dump).toMatch(/Password = s3cr#t !\n/);
    expect(dump.match(/Password = /g)).toHaveLength(1);
    expect(dump).toMatch(/10\.0\.0\.101\/24 dev i0/);
    expect(dump).toMatch(/Unicast Peer = 10\.0\.0\.5|unicast_peer.*10\.0\.0\.5|10\.0\.0\.5/);
    expect(dump).toMatch(/VRRP Script = chk_balancer/);
  });
});
