import * as fs from 'fs';
import * as path from 'path';
import {
  App,
  DataResource,
  Lazy,
  LocalBackend,
  TerraformOutput,
  TerraformStack,
  Testing,
  Token,
} from '../../lib/core/cdk';
import {
  escapeTerraformTemplate,
  isUnresolved,
  resolveReferences,
  splitTokens,
  terraformBase64,
  terraformSha256,
} from '../../lib/core';
import { parseTemplate, renderTemplate } from '../../lib/cli/terraform-text';
import { describeWithTools, run, tempDir } from '../support/tools';
import { expectWarnings } from '../support/warnings';

describe('escapeTerraformTemplate', () => {
  it('doubles literal interpolation and directive openers', () => {
    expect(escapeTerraformTemplate('a ${x} b %{if y} c')).toBe('a $${x} b %%{if y} c');
  });

  it('leaves cdktf token markers as references', () => {
    // GIVEN a string that mixes a token with literal nginx variables
    const app = Testing.app();
    const stack = new TerraformStack(app, 'escape');
    const source = new DataResource(stack, 'source', { input: { value: 'x' } });
    const text = `upstream { server ${source.id}:8080; } log $remote_addr \${literal}`;
    // WHEN escaped
    const escaped = escapeTerraformTemplate(text);
    // THEN the token is untouched and only the literal is doubled
    expect(isUnresolved(escaped)).toBe(true);
    expect(splitTokens(escaped)[1]).toBe(splitTokens(text)[1]);
    expect(escaped.endsWith('$${literal}')).toBe(true);
    expect(escaped).toContain('$remote_addr');
  });

  it('is undone by the template reader of webfarm configs', () => {
    const text = 'map $http_upgrade ${a} %{b} $$ %';
    expect(renderTemplate(parseTemplate(escapeTerraformTemplate(text)), (p) => p.source)).toBe(text);
  });
});

describeWithTools(['terraform'], 'escaping, proven by terraform apply', () => {
  it('delivers literal ${x} and %{x} as text while a token stays a reference', () => {
    // GIVEN a built-in-only stack: one terraform_data produces a value, another embeds it
    const outdir = tempDir();
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'escape');
    new LocalBackend(stack, { path: path.join(outdir, 'escape.tfstate') });
    const source = new DataResource(stack, 'source', { input: { value: 'worker-address' } });
    const address = source.getStringAttribute('output.value');
    const text = `literal \${x} and %{x} then server ${address};\n\tquote "q" back\\slash $$ %% \${${address}} $${address}\r\n`;
    const sink = new DataResource(stack, 'sink', { input: { text: escapeTerraformTemplate(text) } });
    new TerraformOutput(stack, 'rendered', { value: sink.getStringAttribute('output.text') });
    new TerraformOutput(stack, 'hash', { value: terraformSha256(text) });
    new TerraformOutput(stack, 'base64', { value: terraformBase64(text) });
    // cdktf warns that escape sequences in built-in function arguments may come out wrong (its
    // own escaping there is partial, which is what terraformSha256/terraformBase64 complete);
    // the apply below proves the hash and base64 right
    const { warnings } = expectWarnings(() => app.synth());
    expect(warnings).toContainEqual(
      expect.stringContaining("You're using escape sequences (${...}) with CDKTF Built-in functions."),
    );
    const dir = path.join(outdir, 'stacks', 'escape');
    const env = {
      ...process.env,
      TF_CLI_CONFIG_FILE: '/dev/null',
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
    };
    // WHEN terraform applies it
    run('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, env });
    run('terraform', ['apply', '-auto-approve', '-input=false', '-no-color'], { cwd: dir, env });
    const outputs = JSON.parse(run('terraform', ['output', '-json'], { cwd: dir, env })) as Record<
      string,
      { value: string }
    >;
    // THEN the literals arrive as text and the references resolved
    expect(outputs.rendered.value).toBe(
      'literal ${x} and %{x} then server worker-address;\n\tquote "q" back\\slash $$ %% ${worker-address} $worker-address\r\n',
    );
    const expectedHash = require('crypto').createHash('sha256').update(outputs.rendered.value).digest('hex');
    expect(outputs.hash.value).toBe(expectedHash);
    expect(Buffer.from(outputs.base64.value, 'base64').toString('utf8')).toBe(outputs.rendered.value);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  it('delivers the same text when the references are resolved once each at synth (resolveReferences, as ConfigDelivery writes its files)', () => {
    // GIVEN two texts that use the same reference several times, beside every literal that needs escaping
    const outdir = tempDir();
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'resolved');
    new LocalBackend(stack, { path: path.join(outdir, 'resolved.tfstate') });
    const source = new DataResource(stack, 'source', { input: { a: '10.0.0.1', b: '10.0.0.2' } });
    const a = source.getStringAttribute('output.a');
    const b = source.getStringAttribute('output.b');
    const texts = [
      `server ${a}; server ${b}; literal \${x} and %{x}, $${a}, \${${a}}, %{${b}}\n\tquote "q" back\\slash\n`,
      `again ${b} ${a} ${a} $remote_addr $$ %%\n`,
    ];
    // WHEN each text is escaped and its references resolved by the producer, and terraform applies it
    const sink = new DataResource(stack, 'sink', {
      input: Lazy.anyValue({
        produce: (context) => resolveReferences(texts.map(escapeTerraformTemplate), context),
      }),
    });
    new TerraformOutput(stack, 'rendered', { value: sink.getListAttribute('output') });
    app.synth();
    const json = fs.readFileSync(path.join(outdir, 'stacks', 'resolved', 'cdk.tf.json'), 'utf8');
    const dir = path.join(outdir, 'stacks', 'resolved');
    const env = {
      ...process.env,
      TF_CLI_CONFIG_FILE: '/dev/null',
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
    };
    run('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, env });
    run('terraform', ['apply', '-auto-approve', '-input=false', '-no-color'], { cwd: dir, env });
    const outputs = JSON.parse(run('terraform', ['output', '-json'], { cwd: dir, env })) as Record<
      string,
      { value: string[] }
    >;
    // THEN no token marker reached the file, and Terraform completed exactly the texts
    expect(json).not.toContain('TfToken');
    expect(outputs.rendered.value).toEqual([
      'server 10.0.0.1; server 10.0.0.2; literal ${x} and %{x}, $10.0.0.1, ${10.0.0.1}, %{10.0.0.2}\n\tquote "q" back\\slash\n',
      'again 10.0.0.2 10.0.0.1 10.0.0.1 $remote_addr $$ %%\n',
    ]);
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});

describe('isUnresolved', () => {
  it('recognises string, number and list tokens, and nothing else', () => {
    const stack = new TerraformStack(Testing.app(), 'tokens');
    const data = new DataResource(stack, 'd', { input: { v: 1 } });
    expect(isUnresolved(data.id)).toBe(true);
    expect(isUnresolved(Token.asNumber(data.id))).toBe(true);
    expect(isUnresolved(Token.asList(data.id))).toBe(true);
    expect(isUnresolved(Token.asNumberList(data.id)[0])).toBe(true);
    for (const plain of [0, 8080, -1, 1.5, Number.MAX_VALUE, -Number.MAX_VALUE, 'plain ${x}', ['a']]) {
      expect(isUnresolved(plain)).toBe(false);
    }
  });
});
