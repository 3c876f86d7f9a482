import * as fc from 'fast-check';
import { escapeTerraformTemplate } from '../../lib/core';
import {
  allocatePlaceholders,
  classifyReference,
  fakeSecret,
  referenceTarget,
} from '../../lib/cli/placeholders';
import {
  interpolationsIn,
  parseTemplate,
  renderTemplate,
  stringLiteralValue,
} from '../../lib/cli/terraform-text';

const render = (text: string, placeholder = 'X'): string =>
  renderTemplate(parseTemplate(text), () => placeholder);

describe('parseTemplate / renderTemplate', () => {
  it('undoes $${ and %%{ and leaves $remote_addr and lone $ or % alone', () => {
    // GIVEN escaped nginx text with literal ${x}, %{y} and plain variables
    const text = "log_format x '$remote_addr $${upstream_addr}' %%{y} 100% $$ $";
    // WHEN rendered
    // THEN the escapes are undone and the rest is untouched
    expect(render(text)).toBe("log_format x '$remote_addr ${upstream_addr}' %{y} 100% $$ $");
    expect(interpolationsIn(text)).toEqual([]);
  });

  it('reads $$${x} as a literal $ followed by a literal ${x}, as Terraform does', () => {
    expect(render('$$${x}')).toBe('$${x}');
  });

  it('replaces each reference, with balanced braces, quotes and parentheses inside', () => {
    // GIVEN references with nested braces and a quoted "}" in a function call
    const text =
      'a ${element(openstack_networking_port_v2.W.all_fixed_ips, 0)} b ${lookup({k = "}"}, "k", "{")} c ${join(",", [for s in x : "${s}:80"])} d';
    // WHEN parsed
    const refs = interpolationsIn(text);
    // THEN three whole references are found and each is replaced
    expect(refs).toEqual([
      '${element(openstack_networking_port_v2.W.all_fixed_ips, 0)}',
      '${lookup({k = "}"}, "k", "{")}',
      '${join(",", [for s in x : "${s}:80"])}',
    ]);
    expect(render(text, 'R')).toBe('a R b R c R d');
  });

  it('keeps an unterminated ${ and an unescaped %{ directive as written', () => {
    expect(render('x ${open')).toBe('x ${open');
    expect(render('%{ if a }b%{ endif }')).toBe('%{ if a }b%{ endif }');
  });

  it('reads ${"$"} (how webfarm spells a $ before a reference) as a literal', () => {
    // GIVEN a literal "${" right before a reference, as lib/core/escape writes it
    const text = '${"$"}{${random_password.p.result}}';
    // WHEN rendered
    // THEN the "$" is text and only the reference is replaced
    expect(render(text, 'S')).toBe('${S}');
    expect(interpolationsIn(text)).toEqual(['${random_password.p.result}']);
    expect(stringLiteralValue('"a\\"b\\n$${c}"')).toBe('a"b\n${c}');
    expect(stringLiteralValue('"${x}"')).toBeUndefined();
    expect(stringLiteralValue('x.y')).toBeUndefined();
  });

  it('inverts escapeTerraformTemplate on any text without references', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('$', '%', '{', '}', '"', '\\', 'a', ' ', '\n') }),
        (text) => {
          expect(render(escapeTerraformTemplate(text))).toBe(text);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('placeholders', () => {
  it('finds what a reference points at', () => {
    expect(referenceTarget('element(openstack_networking_port_v2.Web1_Port_ABC.all_fixed_ips, 0)')).toEqual({
      type: 'openstack_networking_port_v2',
      name: 'Web1_Port_ABC',
      attribute: 'all_fixed_ips',
    });
    expect(referenceTarget('data.openstack_networking_subnet_v2.Net_Subnet.cidr')).toEqual({
      type: 'data.openstack_networking_subnet_v2',
      name: 'Net_Subnet',
      attribute: 'cidr',
    });
    expect(referenceTarget('openstack_compute_instance_v2.A.network[0].fixed_ip_v4')).toEqual({
      type: 'openstack_compute_instance_v2',
      name: 'A',
      attribute: 'network[0].fixed_ip_v4',
    });
  });

  it.each([
    ['element(openstack_networking_port_v2.W.all_fixed_ips, 0)', 'private-address'],
    ['openstack_compute_instance_v2.W.access_ip_v4', 'private-address'],
    ['openstack_lb_loadbalancer_v2.L.vip_address', 'private-address'],
    ['openstack_compute_instance_v2.W.network[0].fixed_ip_v4', 'private-address'],
    ['openstack_networking_floatingip_v2.F.address', 'public-address'],
    ['openstack_networking_floatingip_associate_v2.F.floating_ip', 'public-address'],
    ['openstack_compute_instance_v2.W.access_ip_v6', 'ipv6-address'],
    ['random_password.P.result', 'secret'],
    ['tls_private_key.K.private_key_pem', 'secret'],
    ['openstack_lb_loadbalancer_v2.L.vip_port_id', 'value'],
    ['openstack_networking_subnet_v2.S.ip_version', 'value'],
    ['openstack_networking_subnet_v2.S.id', 'value'],
    ['var.public_address', 'public-address'],
    ['var.backend_ip', 'private-address'],
  ])('classifies %s as %s', (expression, kind) => {
    expect(classifyReference(expression)).toBe(kind);
  });

  it('maps references deterministically to distinct documentation values', () => {
    // GIVEN a stack's references, in two different orders
    const refs = [
      '${element(openstack_networking_port_v2.Web1_Port.all_fixed_ips, 0)}',
      '${element(openstack_networking_port_v2.Web2_Port.all_fixed_ips, 0)}',
      '${openstack_networking_floatingip_v2.Fip.address}',
      '${random_password.Redis.result}',
      '${random_password.Vrrp.result}',
      '${openstack_networking_secgroup_v2.Group.id}',
      '${upper(openstack_networking_secgroup_v2.Group.id)}',
    ];
    // WHEN placeholders are allocated
    const a = allocatePlaceholders(refs);
    const b = allocatePlaceholders([...refs].reverse());
    // THEN the result does not depend on the order, values are distinct, in the right ranges
    expect([...a.entries()]).toEqual([...b.entries()]);
    const values = refs.map((r) => a.get(r)?.value);
    expect(new Set(values).size).toBe(refs.length);
    expect(values[0]).toMatch(/^192\.0\.2\.(\d+)$/);
    expect(values[1]).toMatch(/^192\.0\.2\.(\d+)$/);
    expect(values[2]).toMatch(/^198\.51\.100\.(\d+)$/);
    expect(values[3]).toBe('example-secret-1');
    expect(values[4]).toBe('example-secret-2');
    expect(values[5]).toBe('example-group-id');
    expect(values[6]).toBe('example-group-id-2');
  });

  it('keeps an address when other references are added (hash, not position)', () => {
    const web1 = '${element(openstack_networking_port_v2.Web1_Port.all_fixed_ips, 0)}';
    const before = allocatePlaceholders([web1]).get(web1)?.value;
    const many = Array.from({ length: 20 }, (_, i) => `\${openstack_compute_instance_v2.A${i}.access_ip_v4}`);
    const after = allocatePlaceholders([...many, web1]);
    const collided = [...after.values()].filter((p) => p.value === before && p.reference !== web1).length;
    // Only a hash collision with a reference sorted before it could move it.
    if (collided === 0) expect(after.get(web1)?.value).toBe(before);
    expect(new Set([...after.values()].map((p) => p.value)).size).toBe(21);
  });

  it('hands out all 254 addresses of 192.0.2.0/24 before overflowing into 203.0.113.0/24', () => {
    const refs = Array.from(
      { length: 300 },
      (_, i) => `\${openstack_compute_instance_v2.H${i}.access_ip_v4}`,
    );
    const values = [...allocatePlaceholders(refs).values()].map((p) => p.value);
    expect(new Set(values).size).toBe(300);
    expect(values.filter((v) => v.startsWith('192.0.2.')).length).toBe(254);
    expect(values.filter((v) => v.startsWith('203.0.113.')).length).toBe(46);
  });

  it('fits a secret to the length the generator declares', () => {
    expect(fakeSecret(1)).toBe('example-secret-1');
    expect(fakeSecret(1, 8)).toBe('example1');
    expect(fakeSecret(12, 5)).toBe('exa12');
    expect(fakeSecret(3, 32)).toBe('example-secret-3');
    const refs = ['${random_password.Vrrp.result}'];
    const short = allocatePlaceholders(refs, {
      secretLength: ({ name }) => (name === 'Vrrp' ? 8 : undefined),
    });
    expect(short.get(refs[0])?.value).toBe('example1');
  });
});
