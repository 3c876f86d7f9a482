import * as fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import { App } from '../../lib/core/cdk';
import { review } from '../../lib/cli/review';
import { compareConfigurations, formatPath } from '../../lib/cli/review-diff';
import { cidrContains, isWorld, parseCidr } from '../../lib/cli/review-exposure';
import { diffLines } from '../../lib/cli/review-markdown';
import { findPackageRoot, loadSchemas, SCHEMA_FILES } from '../../lib/cli/review-schema';
import { code, escapeText, maskSecretLine, mermaidLabel } from '../../lib/cli/review-text';
import { EXAMPLE_STACKS } from '../../stacks';
import { ROOT, tempDir } from '../support/tools';

describe('CIDR arithmetic', () => {
  it.each([
    ['0.0.0.0/0', '10.0.0.0/8', true],
    ['10.0.0.0/8', '10.1.2.0/24', true],
    ['10.1.2.0/24', '10.0.0.0/8', false],
    ['10.0.0.0/8', '11.0.0.0/24', false],
    ['198.51.100.0/24', '198.51.100.7', true],
    ['::/0', '2001:db8::/32', true],
    ['2001:db8::/32', '2001:db8:1::/48', true],
    ['2001:db8::/32', '2001:db9::/48', false],
    ['0.0.0.0/0', '::/0', false],
  ])('%s contains %s: %s', (outer, inner, expected) => {
    const [o, i] = [parseCidr(outer), parseCidr(inner)];
    expect(o && i && cidrContains(o, i)).toBe(expected);
  });

  it('knows the world and rejects what is not a CIDR', () => {
    expect([
      isWorld('0.0.0.0/0'),
      isWorld('::/0'),
      isWorld('0::/0'),
      isWorld('any'),
      isWorld('10.0.0.0/8'),
    ]).toEqual([true, true, true, true, false]);
    for (const bad of [
      '10.0.0.0/33',
      '256.0.0.0/8',
      '1:2:3',
      'example.org',
      '10.0.0.0/x',
      '‹Net/Subnet cidr›',
    ]) {
      expect(parseCidr(bad)).toBeUndefined();
    }
  });
});

describe('Markdown text', () => {
  it('makes code spans that survive backticks and table pipes', () => {
    expect(code('a|b')).toBe('`a\\|b`');
    expect(code('x `y` z')).toBe('``x `y` z``');
    expect(code('`edge`')).toBe('`` `edge` ``');
    expect(code('line1\nline2')).toBe('`line1⏎line2`');
    expect(code('x'.repeat(200))).toHaveLength(82);
  });

  it('escapes plain text and Mermaid labels', () => {
    expect(escapeText('a|b `c` <img> *d* _e_')).toBe('a\\|b \\`c\\` &lt;img&gt; \\*d\\* \\_e\\_');
    expect(mermaidLabel('say "hi" <b>|x`')).toBe('say #quot;hi#quot; #lt;b#gt;#124;x#96;');
  });

  it('masks secrets in configuration lines, and only those', () => {
    expect(maskSecretLine('    auth_pass "s3cret"')).toBe('    auth_pass (sensitive)');
    expect(maskSecretLine('requirepass hunter2')).toBe('requirepass (sensitive)');
    expect(maskSecretLine("APP_DB_PASSWORD='x'")).toBe('APP_DB_PASSWORD=(sensitive)');
    expect(maskSecretLine('api_token: abc')).toBe('api_token: (sensitive)');
    expect(maskSecretLine("    user ops insecure-password 'pw'")).toBe(
      '    user ops insecure-password (sensitive)',
    );
    expect(maskSecretLine('    stats auth admin:pw')).toBe('    stats auth (sensitive)');
    expect(maskSecretLine('-----BEGIN OPENSSH PRIVATE KEY-----')).toBe('(sensitive)');
    for (const line of [
      '        proxy_pass http://web;',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      '    server web-1 10.0.0.1:8080 check',
    ]) {
      expect(maskSecretLine(line)).toBe(line);
    }
  });

  it('diffs lines: removals before additions, one line of context, @@ between hunks', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const after = ['a', 'B', 'c', 'd', 'e', 'f', 'G'];
    expect(diffLines(before, after)).toEqual([' a', '-b', '+B', ' c', '@@', ' f', '-g', '+G']);
    expect(diffLines([], ['x'])).toEqual(['+x']);
  });

  it('diffs a line added to a long file in linear time, with the same hunk as a short one', () => {
    const before = Array.from({ length: 5_000 }, (_, k) => `server 10.0.${k >> 8}.${k & 255}:8080;`);
    const after = [...before.slice(0, 2_500), 'server 10.9.9.9:8080;', ...before.slice(2_500)];
    // 5,000 × 5,001 lines is over the full table's limit: only the trimmed middle is compared.
    expect(diffLines(before, after)).toEqual([
      ` ${before[2_499]}`,
      '+server 10.9.9.9:8080;',
      ` ${before[2_500]}`,
    ]);
  });

  it('diffs any two line lists into a minimal edit script that turns one into the other', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 });
    const lcsLength = (x: readonly string[], y: readonly string[]): number => {
      let row = new Array<number>(y.length + 1).fill(0);
      for (const a of x) {
        const next = [0];
        y.forEach((b, j) => next.push(a === b ? row[j] + 1 : Math.max(row[j + 1], next[j])));
        row = next;
      }
      return row[y.length];
    };
    fc.assert(
      fc.property(lines, lines, (before, after) => {
        const ops = diffLines(before, after).filter((l) => l !== '@@');
        const removed = ops.filter((l) => l.startsWith('-')).length;
        const added = ops.filter((l) => l.startsWith('+')).length;
        // Minimal: every line outside one longest common subsequence, and nothing more.
        expect(removed).toBe(before.length - lcsLength(before, after));
        expect(added).toBe(after.length - lcsLength(before, after));
        // Faithful: context and removals come from the old list in order, additions from the new.
        const isSubsequence = (sub: readonly string[], of: readonly string[]): boolean => {
          let k = 0;
          for (const line of of) if (k < sub.length && sub[k] === line) k += 1;
          return k === sub.length;
        };
        expect(
          isSubsequence(
            ops.filter((l) => !l.startsWith('+')).map((l) => l.slice(1)),
            before,
          ),
        ).toBe(true);
        expect(
          isSubsequence(
            ops.filter((l) => !l.startsWith('-')).map((l) => l.slice(1)),
            after,
          ),
        ).toBe(true);
      }),
    );
  });
});

describe('The vendored schema', () => {
  it('is found from the source and from the compiled folder', () => {
    expect(findPackageRoot(path.join(ROOT, 'lib', 'cli'))).toBe(ROOT);
    expect(findPackageRoot(path.join(ROOT, 'dist', 'lib', 'cli'))).toBe(ROOT);
    expect(SCHEMA_FILES.every((f) => fs.existsSync(path.join(ROOT, f)))).toBe(true);
  });

  it('judges changes by x_force_new, x_default and computed, nested blocks included', () => {
    const instance = loadSchemas().resource('openstack_compute_instance_v2');
    const base = { name: 'a', image_name: 'x', network: [{ port: '${p.id}' }] };
    const judge = (after: Record<string, unknown>) => {
      const r = compareConfigurations(instance, base, after);
      return { changed: r.changed.map(formatPath), forceNew: r.forceNew.map(formatPath) };
    };
    expect(judge({ ...base, image_name: 'y' })).toEqual({ changed: ['image_name'], forceNew: [] });
    expect(judge({ ...base, user_data: 'x' })).toEqual({ changed: ['user_data'], forceNew: ['user_data'] });
    expect(judge({ ...base, network: [{ port: '${q.id}' }] })).toEqual({
      changed: ['network.0.port'],
      forceNew: ['network.0.port'],
    });
    expect(judge({ ...base, network: [{ port: '${p.id}' }, { port: '${q.id}' }] }).forceNew).toContain(
      'network',
    );
    // force_delete defaults to false; availability_zone is computed (unset keeps the prior value).
    expect(judge({ ...base, force_delete: false })).toEqual({ changed: [], forceNew: [] });
    const zoned = compareConfigurations(instance, { ...base, availability_zone: 'nova' }, base);
    expect(zoned.changed).toEqual([]);
    const hints = (group: string) => ({ ...base, scheduler_hints: [{ group }] });
    expect(compareConfigurations(instance, hints('a'), hints('b')).forceNew.map(formatPath)).toEqual([
      'scheduler_hints',
    ]);
    const random = loadSchemas().resource('random_password');
    expect(compareConfigurations(random, { length: 8 }, { length: 12 }).forceNew.map(formatPath)).toEqual([
      'length',
    ]);
  });
});

/** A hand-made cdktf.out with one stack `hand`. */
function handMade(resource: Record<string, unknown>, output: Record<string, unknown> = {}): string {
  const dir = tempDir('webfarm-review-hand-');
  fs.mkdirSync(path.join(dir, 'stacks', 'hand'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'stacks', 'hand', 'cdk.tf.json'), JSON.stringify({ resource, output }));
  return dir;
}

describe('Hand-made stacks', () => {
  const group = { g: { name: 'app' } };
  const instance = (adminPass: string) => ({
    vm: { name: 'vm', image_name: 'debian-12', admin_pass: adminPass, security_groups: ['app'] },
  });
  const rules = {
    anyone: {
      direction: 'ingress',
      protocol: 'tcp',
      port_range_min: '${var.port}',
      port_range_max: '${var.port}',
      security_group_id: '${openstack_networking_secgroup_v2.g.id}',
    },
  };
  const before = handMade(
    { openstack_networking_secgroup_v2: group, openstack_compute_instance_v2: instance('literal-pw-1') },
    { token: { value: 'literal-token-1', sensitive: true } },
  );
  const after = handMade(
    {
      openstack_networking_secgroup_v2: group,
      openstack_compute_instance_v2: instance('literal-pw-2'),
      openstack_networking_secgroup_rule_v2: rules,
    },
    { token: { value: 'literal-token-2', sensitive: true } },
  );

  afterAll(() => {
    for (const dir of [before, after]) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hides sensitive attributes and outputs, and flags a rule without remote as open to the world', () => {
    const result = review({ dir: after, base: before });
    expect(result.markdown).not.toMatch(/literal-(pw|token)/);
    expect(result.markdown).toContain('`admin_pass`: (sensitive)');
    expect(result.markdown).toContain('| ✏️ change | `output.token` |  | (sensitive) |');
    expect(result.flags.map((f) => [f.kind, f.subject, f.detail])).toEqual([
      ['exposure', 'openstack_networking_secgroup_rule_v2.anyone', 'newly open to the world `any`'],
    ]);
    expect(result.markdown).toContain('| 🌍 anyone (`any`) | `g` (vm) | ‹var.port› | tcp |');
    const alone = review({ dir: after });
    expect(alone.flags.map((f) => f.detail)).toEqual([
      'open to the world (`any`), and not a balancer listener',
    ]);
  });
});

describe('Every example stack', () => {
  it('is read as a topology with no finding: only balancer listeners face the world', () => {
    // GIVEN every example synthesized with the real constructs
    const outdir = tempDir('webfarm-review-examples-');
    const app = new App({ outdir });
    for (const example of EXAMPLE_STACKS) example.build(app, example.name);
    app.synth();
    // WHEN reviewed without a base
    const result = review({ dir: outdir });
    // THEN nothing is flagged, and every balancer has its listeners, pools and members
    expect(result.flags).toEqual([]);
    const balancers = result.stacks.flatMap((s) => (s.after?.balancers ?? []).map((b) => [s.name, b.label]));
    expect(balancers).toEqual([
      ['balancer-ha', 'nginx web-lb-1 + web-lb-2 (keepalived VIP)'],
      ['climate', 'nginx proxy'],
      ['farm', 'nginx app-lb'],
      ['jetstream2-octavia', 'Octavia jetstream2-octavia-lb'],
      ['jetstream2-octavia-least-connections', 'Octavia worker-node-lb'],
      ['jetstream2-octavia-source-ip', 'Octavia worker-node-lb'],
      ['nsboot-haproxy', 'haproxy nsboot-lb-1 + nsboot-lb-2 (keepalived VIP)'],
      ['nsboot-haproxy-tls', 'haproxy nsboot-lb-1 + nsboot-lb-2 (keepalived VIP)'],
      ['nsboot-nginx', 'nginx nsboot-lb'],
      ['octavia-https', 'Octavia octavia-https-lb'],
      ['pavics-nginx', 'nginx pavics-proxy'],
      ['runtime-pools', 'nginx balancer'],
      ['velociraptor', 'haproxy haproxy1'],
      ['velociraptor', 'nginx frontend1'],
      ['visa', 'nginx visa-lb'],
      ['visa-nginx', 'nginx visa-lb'],
    ]);
    for (const s of result.stacks) {
      for (const b of s.after?.balancers ?? []) {
        expect([
          s.name,
          // A run-time pool starts empty: the deployment tool adds its nodes (webfarm nodes).
          b.pools.every(
            (p) =>
              (p.members.length > 0 || (s.name === 'runtime-pools' && p.name === 'app')) &&
              // Every member is a host of the stack, or an external member given by its address.
              p.members.every((m) => m.host || /^\d+\.\d+\.\d+\.\d+$/.test(m.address)),
          ),
        ]).toEqual([s.name, true]);
        expect([s.name, b.listeners.some((l) => !l.local && l.pools.length > 0)]).toEqual([s.name, true]);
      }
    }
    // The pools a deployment tool owns (runtime-pools' `app`, Velociraptor's) are reviewed as run-time
    // managed; every other is Terraform's.
    const managed = result.stacks.flatMap((s) =>
      (s.after?.balancers ?? []).flatMap((b) => b.pools.map((p) => [s.name, p.name, p.managed])),
    );
    const runtime = managed.filter(([, , m]) => m === 'runtime');
    expect(runtime).toContainEqual(['runtime-pools', 'app', 'runtime']);
    expect([...new Set(runtime.map(([stack]) => stack))]).toEqual(['runtime-pools', 'velociraptor']);
    expect(result.markdown).toContain('members managed at run time');
    // Every public floating IP leads somewhere.
    const fips = result.stacks.flatMap((s) => s.after?.floatingIps ?? []);
    expect(fips.filter((f) => !f.target)).toEqual([]);
    expect(result.markdown).toContain('| 🔒 `prevent_destroy` |');
    // Reviewed against itself: nothing changes.
    const same = review({ dir: outdir, base: outdir });
    expect(same.flags).toEqual([]);
    expect(same.markdown).toMatch(/\*\*0 to add, 0 to change, 0 to replace, 0 to destroy\*\*/);
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});
