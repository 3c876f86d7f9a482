import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { App, TerraformStack, Testing } from '../../lib/core/cdk';
import { ValidationError } from '../../lib/core/errors';
import { renderNginx, nginxLayout } from '../../lib/config/nginx';
import { Network, WorkerGroup } from '../../lib/openstack';
import { manifestOf } from '../e2e/balancer-fixture';
import { writeFiles } from '../support/backends';
import { describeWithTools, tempDir, tfcheck, tfsim } from '../support/tools';
import { haproxyCheck, prepareRoot as prepareHaproxyRoot } from '../config/haproxy-harness';
import { nginxPathsUnder, nginxTest, prepareRoot as prepareNginxRoot } from '../config/nginx-harness';
import { CORPUS, CaseContext, CorpusCase } from './bad-input-cases';

/**
 * The bad-input corpus (test/core/bad-input-cases.ts), table-driven: every refused case throws
 * exactly one ValidationError naming the construct path, the value, what is allowed and the fix;
 * every accepted case is built into ONE stack (one scope per case) that passes tfcheck, one
 * `tfsim validate`, one `tfsim plan`, and `nginx -t` / `haproxy -c` of every balancer's files.
 */

/** The network and the workers, made when a case first uses them (refused cases stay fast). */
function context(scope: Construct): CaseContext {
  let network: Network | undefined;
  let workers: WorkerGroup | undefined;
  const ctx: CaseContext = {
    stack: scope,
    get network() {
      network ??= new Network(scope, 'Network', { cidr: '10.20.0.0/24', externalNetworkName: 'public' });
      return network;
    },
    get workers() {
      workers ??= new WorkerGroup(scope, 'Web', {
        network: ctx.network,
        name: 'web',
        count: 2,
        image: 'debian-12',
        flavor: 'm1.small',
        appPort: 8080,
      });
      return workers;
    },
  };
  return ctx;
}

const refused = CORPUS.filter((c) => c.rejects);
const accepted = CORPUS.filter((c) => !c.rejects);
const label = (c: CorpusCase) => `${c.construct}: ${c.name}`;

process.stderr.write(
  `bad-input corpus: ${CORPUS.length} cases (${refused.length} refused, ${accepted.length} accepted)\n`,
);

describe('bad-input corpus: the table', () => {
  it('has at least 150 cases over every construct', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(150);
    expect(new Set(CORPUS.map((c) => c.construct))).toEqual(
      new Set([
        'Network',
        'KeyPair',
        'SecurityGroup',
        'WorkerGroup',
        'NginxBalancer',
        'HaproxyBalancer',
        'OctaviaBalancer',
        'RedisHost',
        'NfsServer',
        'ZfsReplication',
      ]),
    );
    expect(new Set(CORPUS.map(label)).size).toBe(CORPUS.length);
  });
});

describe('bad-input corpus: refused inputs', () => {
  it.each(refused.map((c) => [label(c), c] as const))('%s → one ValidationError', (_name, c) => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'c');
    let error: unknown;
    try {
      c.build(context(new Construct(stack, 'case')));
      Testing.synth(stack, true);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const e = error as ValidationError;
    const expected = c.rejects as NonNullable<CorpusCase['rejects']>;
    // The construct path, the value, what is allowed, the fix.
    expect(e.path).toMatch(/^c\/case\//);
    expect(e.path).toContain(expected.path);
    if ('value' in expected) expect(e.value).toEqual(expected.value);
    expect(e.allowed.length).toBeGreaterThan(3);
    expect(e.fix.length).toBeGreaterThan(3);
    expect(e.message).toContain(e.path);
    expect(e.message).toContain(`allowed: ${e.allowed}`);
    expect(e.message).toContain(`Fix: ${e.fix}`);
    if (expected.message !== undefined) expect(e.message).toContain(expected.message);
  });
});

/** Terraform text back to file text: references become documentation addresses, escapes undone. */
function fileText(content: string, seen: Map<string, string>): string {
  return content
    .replace(/(?<!\$)\$\{[^}]*\}/g, (ref) => {
      if (!seen.has(ref)) seen.set(ref, `192.0.2.${(seen.size % 250) + 1}`);
      return seen.get(ref) as string;
    })
    .split('$${')
    .join('${')
    .split('%%{')
    .join('%{');
}

describeWithTools(
  ['terraform', 'tfsim', 'nginx', 'haproxy', 'openssl'],
  'bad-input corpus: accepted inputs',
  () => {
    const outdir = tempDir('webfarm-corpus-');
    const failures: string[] = [];
    let stackDir = '';
    beforeAll(() => {
      const app = new App({ outdir });
      const stack = new TerraformStack(app, 'corpus');
      accepted.forEach((c, i) => {
        try {
          c.build(context(new Construct(stack, `case-${i + 1}`)));
        } catch (e) {
          failures.push(`${label(c)}: ${String(e)}`);
        }
      });
      app.synth();
      stackDir = path.join(outdir, 'stacks', 'corpus');
    }, 120000);
    afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

    it('every accepted case builds', () => {
      expect(failures).toEqual([]);
    });

    it('the stack passes tfcheck with 0 problems', () => {
      const result = tfcheck(outdir);
      expect(result.output).toMatch(/\b0 problems\b/);
    });

    it('tfsim validate and tfsim plan accept it', () => {
      const validate = tfsim(['validate', outdir]);
      expect(validate.output).not.toMatch(/Error/);
      expect(validate.status).toBe(0);
      const plan = tfsim(['plan', outdir]);
      expect(plan.output).toMatch(/Plan: \d+ to add/);
      expect(plan.status).toBe(0);
    }, 180000);

    it("nginx -t and haproxy -c accept every balancer's files", () => {
      const json = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
      const seen = new Map<string, string>();
      const checked = { nginx: 0, haproxy: 0 };
      for (const data of Object.values(json.resource?.terraform_data ?? {}) as Array<
        Record<string, unknown>
      >) {
        let manifest: ReturnType<typeof manifestOf>;
        try {
          manifest = manifestOf(data);
        } catch {
          continue;
        }
        if (manifest.role === 'nginx-balancer') {
          const root = prepareNginxRoot();
          const paths = nginxPathsUnder(root);
          const base = renderNginx({ pools: [], listeners: [], paths, status: false });
          const reroot = (text: string) =>
            text
              .split('/etc/nginx/')
              .join(`${root}/etc/nginx/`)
              .split('/var/log/nginx')
              .join(`${root}/var/log/nginx`)
              .split('/var/lib/nginx')
              .join(`${root}/var/lib/nginx`);
          writeFiles([
            ...base.filter((f) => f.path === nginxLayout(paths).mainConfig),
            ...manifest.files.map((f) => ({
              path: reroot(f.path),
              content: reroot(fileText(f.content, seen)),
            })),
          ]);
          nginxTest(nginxLayout(paths).mainConfig);
          fs.rmSync(root, { recursive: true, force: true });
          checked.nginx++;
        } else if (manifest.role === 'haproxy-balancer') {
          const root = prepareHaproxyRoot();
          const reroot = (text: string) =>
            text
              .split('/etc/haproxy/')
              .join(`${root}/etc/haproxy/`)
              .split('/var/lib/haproxy')
              .join(`${root}/var/lib/haproxy`)
              .split('/run/haproxy/')
              .join(`${root}/run/haproxy/`);
          const files = manifest.files.map((f) => ({
            path: reroot(f.path),
            content: reroot(fileText(f.content, seen)),
          }));
          writeFiles(files);
          haproxyCheck(files.find((f) => f.path.endsWith('haproxy.cfg'))?.path ?? '');
          fs.rmSync(root, { recursive: true, force: true });
          checked.haproxy++;
        }
      }
      process.stderr.write(`bad-input corpus: daemon checks ${JSON.stringify(checked)}\n`);
      expect(checked.nginx).toBeGreaterThanOrEqual(
        accepted.filter((c) => c.construct === 'NginxBalancer').length,
      );
      expect(checked.haproxy).toBeGreaterThanOrEqual(
        accepted.filter((c) => c.construct === 'HaproxyBalancer').length,
      );
    });
  },
);
