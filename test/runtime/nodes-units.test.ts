import { RuntimeBalancer, RuntimeInputError, checkPoolName, parseNode } from '../../lib/runtime';
import { sshArguments } from '../../lib/runtime/ssh';

describe('node strings', () => {
  it.each([
    ['10.0.0.5:8080', '10.0.0.5:8080'],
    ['[2001:DB8:0:0::1]:443', '[2001:db8::1]:443'],
    ['[::1]:80', '[::1]:80'],
    ['Web-1.Example.ORG:8000', 'web-1.example.org:8000'],
  ])('%j is the canonical %j', (given, canonical) => {
    expect(parseNode('lb', given).node).toBe(canonical);
  });

  it.each([
    ['10.0.0.5', 'give the host and the port'],
    ['2001:db8::1:80', 'write an IPv6 address in brackets'],
    ['[10.0.0.1]:80', 'put only an IPv6 address inside the brackets'],
    ['10.0.0.5:65536', 'use a port from 1 to 65535'],
    ['10.0.0.5:0', 'use a port from 1 to 65535'],
    ['1.2.3:80', 'give an IPv4 address (four decimal numbers) or a DNS name'],
    ['-oProxyCommand=x:22', 'give an IPv4 address'],
    ['a b:80', 'give an IPv4 address'],
    ['web;evil:80', 'give an IPv4 address'],
  ])('%j is refused: %s', (given, fix) => {
    expect(() => parseNode('lb', given)).toThrow(RuntimeInputError);
    expect(() => parseNode('lb', given)).toThrow(fix);
    expect(() => parseNode('lb', given)).toThrow(`lb: node ${JSON.stringify(given)} is not allowed`);
  });

  it.each(['', '../x', 'a/b', 'a b', 'x;y', '.hidden', 'a'.repeat(64)])('pool name %j is refused', (pool) => {
    expect(() => checkPoolName('lb', pool)).toThrow(/pool name .* is not allowed; allowed: letters, digits/);
  });
});

describe('RuntimeBalancer settings', () => {
  const base = {
    name: 'lb',
    daemon: 'nginx' as const,
    hosts: [{ name: 'fe1', address: '192.0.2.10' }],
    ssh: { user: 'deploy' },
    includeDir: '/etc/nginx/pools.d',
  };

  it.each([
    [{ hosts: [] }, /hosts \[\] is not allowed; allowed: at least one host/],
    [{ hosts: [{ name: 'x', address: '-oProxyCommand=evil' }] }, /address of host 'x' .* is not allowed/],
    [{ ssh: { user: 'Bad User' } }, /ssh user "Bad User" is not allowed/],
    [{ ssh: { user: 'deploy', port: 70000 } }, /ssh port 70000 is not allowed/],
    [{ includeDir: 'relative/dir' }, /includeDir "relative\/dir" is not allowed; allowed: an absolute path/],
    [{ daemon: 'varnish' }, /daemon "varnish" is not allowed; allowed: "nginx" or "haproxy"/],
    [{ includeDir: undefined }, /includeDir undefined is not allowed/],
  ])('refuses %j before contacting any host', (change, message) => {
    expect(() => new RuntimeBalancer({ ...base, ...change } as never)).toThrow(message);
  });

  it('refuses a change to a Terraform pool, naming the fix', async () => {
    const lb = new RuntimeBalancer({
      ...base,
      includeDir: undefined,
      pools: { app: { file: '/etc/nginx/webfarm/pools/app.conf' } },
      terraformPools: ['static'],
    });
    await expect(lb.addNodes('static', ['10.0.0.1:80'])).rejects.toThrow(
      "pool 'static' is Terraform's: change it in the stack, or declare it with addPool('static', { runtimeManaged: true })",
    );
    await expect(lb.deleteNodes('other', ['10.0.0.1:80'])).rejects.toThrow(/declare it in the stack/);
    // A pool this balancer does not have reads as empty, without contacting a host.
    await expect(lb.getNodes('other')).resolves.toEqual([]);
  });
});

describe('ssh arguments', () => {
  it('uses the key file only, batch mode, host key checking, and a bastion by ProxyCommand', () => {
    const args = sshArguments(
      '10.0.0.7',
      {
        user: 'debian',
        identityFile: '/keys/id',
        bastion: { address: '203.0.113.4', user: 'jump', port: 2222 },
      },
      'true',
    );
    expect(args).toEqual(
      expect.arrayContaining([
        'BatchMode=yes',
        'StrictHostKeyChecking=accept-new',
        '-i',
        '/keys/id',
        'IdentitiesOnly=yes',
        '-l',
        'debian',
      ]),
    );
    const proxy = args.find((a) => a.startsWith('ProxyCommand='));
    expect(proxy).toContain('-p 2222 -l jump -W [%h]:%p 203.0.113.4');
    expect(args.slice(-3)).toEqual(['--', '10.0.0.7', 'true']);
  });
});
