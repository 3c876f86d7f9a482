import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack, Testing } from '../lib/core/cdk';
import { Stickiness } from '../lib/core';
import { EXAMPLE_STACKS } from '../stacks';
import { buildQuickstart } from '../examples/quickstart';
import { StackJson, tfcheckProblems, writeStack } from './support/synth';
import { ROOT, describeWithTools, tempDir, tfsim } from './support/tools';

const synthesized = new Map<string, StackJson>();

/** Synthesizes one example stack with validations, once per test file. */
function synthExample(name: string): StackJson {
  const cached = synthesized.get(name);
  if (cached) return cached;
  const app = Testing.app();
  EXAMPLE_STACKS.find((e) => e.name === name)!.build(app, name);
  const stack = app.node.findChild(name) as TerraformStack;
  const json = JSON.parse(Testing.synth(stack, true)) as StackJson;
  synthesized.set(name, json);
  return json;
}

/** `stack: type.name` for every resource and `stack: data.type.name` for every data source. */
function addressesOf(name: string, json: StackJson): string[] {
  const out: string[] = [];
  for (const [kind, prefix] of [
    [json.resource, ''],
    [json.data, 'data.'],
  ] as const) {
    for (const [type, byName] of Object.entries(kind ?? {})) {
      for (const logical of Object.keys(byName)) out.push(`${name}: ${prefix}${type}.${logical}`);
    }
  }
  return out;
}

/**
 * The recorded resource addresses of every example (the users' contract: a changed address is a
 * destroyed and recreated resource). `UPDATE_ADDRESSES=1 npx jest test/examples.test.ts` rewrites
 * the record; review its diff: only added lines are expected, never changed or removed ones.
 */
const ADDRESSES_FILE = path.join(ROOT, 'test/examples-addresses.txt');

describe('the README', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

  it('shows the VISA example first, and every TypeScript block is the marked body of its example', () => {
    // GIVEN every ```ts block with the `<!-- example: examples/… -->` line before it
    const blocks = [
      ...readme.matchAll(/(?:<!-- example: (examples\/[\w-]+\.ts) -->\n)?```ts\n([\s\S]*?)```/g),
    ];
    expect(blocks.length).toBeGreaterThan(3);
    expect(blocks[0][1]).toBe('examples/visa.ts');
    const normalize = (text: string) =>
      text
        .split('\n')
        .map((l) => l.trim().replace(/^export class /, 'class '))
        .filter(Boolean);
    for (const [, file, block] of blocks) {
      if (file === undefined) continue; // the run-time section's blocks: the test below
      const example = fs.readFileSync(path.join(ROOT, file), 'utf8');
      const body = [...example.matchAll(/\/\/ README:begin\n([\s\S]*?)\/\/ README:end/g)]
        .map((m) => m[1])
        .join('\n');
      // THEN the example's marked lines appear in the block, in order and together
      const want = normalize(body);
      const have = normalize(block);
      expect(want.length).toBeGreaterThan(5);
      const at = have.findIndex((_, k) => want.every((line, n) => have[k + n] === line));
      expect({ file, found: at >= 0 }).toEqual({ file, found: true });
    }
    expect(blocks.filter((b) => b[1] !== undefined).map((b) => b[1])).toEqual([
      'examples/visa.ts',
      'examples/quickstart.ts',
      'examples/embed.ts',
    ]);
  });

  it('quotes the real error for cookie stickiness on nginx', () => {
    const stack = buildQuickstart(new App());
    const proxy = stack.node.findChild('Proxy') as unknown as { addPool: (id: string, o: object) => void };
    let message = '';
    try {
      proxy.addPool('web', { port: 80, stickiness: Stickiness.insertCookie() });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toBe('');
    expect(readme).toContain(message.replace(/ pool 'web'/, ''));
  });

  it('shows examples/runtime-pools.ts and examples/deployment-tool.ts in "Changing pools at run time"', () => {
    // GIVEN the section's two TypeScript blocks and the examples' marked bodies
    const section = readme.slice(readme.indexOf('## Changing pools at run time'));
    const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].slice(0, 2).map((m) => m[1]);
    const marked = (file: string) => {
      const text = fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8');
      return [...text.matchAll(/\/\/ README:begin\n([\s\S]*?)\/\/ README:end/g)].map((m) => m[1]).join('\n');
    };
    const normalize = (text: string) =>
      text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    // THEN they are the same lines
    expect(normalize(blocks[0])).toEqual(normalize(marked('runtime-pools.ts')));
    expect(normalize(blocks[1])).toEqual(normalize(marked('deployment-tool.ts')));
  });

  it('names the two set-up commands', () => {
    expect(readme).toContain('npm ci && npm run synth');
    expect(readme).toContain('npm ci && npm test');
  });
});

describe('every example stack', () => {
  it.each(EXAMPLE_STACKS.map((e) => e.name))(
    '%s synthesizes with validations and is tfcheck-clean',
    (name) => {
      const json = synthExample(name);
      expect(Object.keys(json.resource ?? {}).length + Object.keys(json.data ?? {}).length).toBeGreaterThan(
        0,
      );
      expect(tfcheckProblems(json)).toBe('');
    },
  );
});

describe('the resource addresses of every example', () => {
  it('are the recorded ones, byte for byte', () => {
    // GIVEN every example synthesized
    const actual = EXAMPLE_STACKS.flatMap((e) => addressesOf(e.name, synthExample(e.name)))
      .sort()
      .join('\n')
      .concat('\n');
    if (process.env.UPDATE_ADDRESSES === '1') {
      if (process.env.CI === 'true')
        throw new Error('UPDATE_ADDRESSES=1 rewrites the record: not under CI=true');
      fs.writeFileSync(ADDRESSES_FILE, actual);
    }
    // THEN the sorted list of their addresses is the recorded list
    expect(actual.split('\n').length).toBeGreaterThan(EXAMPLE_STACKS.length);
    expect(actual).toBe(fs.readFileSync(ADDRESSES_FILE, 'utf8'));
  });
});

describeWithTools(['terraform', 'tfsim'], 'every example stack, by the real Terraform core', () => {
  it('plans every stack (tfsim plan validates first; CI runs tfsim validate on cdktf.out too)', () => {
    const dir = tempDir();
    for (const example of EXAMPLE_STACKS) writeStack(synthExample(example.name), example.name, dir);
    // One run for every stack: Terraform's own plan, offline, of everything npm run synth writes.
    // nsboot-haproxy-tls reads the operator's certificate from a sensitive variable (no default).
    const result = tfsim(['plan', dir], { TF_VAR_site_pem: 'a PEM given by the operator' });
    const summary = /^\d+ stacks planned: .*$/m.exec(result.output)?.[0];
    expect(summary).toMatch(
      new RegExp(`^${EXAMPLE_STACKS.length} stacks planned: [1-9][0-9]* to add, 0 to change, 0 to destroy$`),
    );
    expect(result.status).toBe(0);
  }, 400000);
});
