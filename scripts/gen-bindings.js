#!/usr/bin/env node
// Generates the OpenStack provider bindings from the vendored schema with cdktf's own
// generator (the code `cdktf get` would write). Output goes to the git-ignored `.gen/`.
// Skips the work when the output is newer than the schema and this script.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const schemaFile = path.join(root, 'schemas', 'openstack.json');
const outDir = path.join(root, '.gen');
/**
 * The pin users get in `required_providers` (DESIGN decision 2). The vendored schema is
 * terraform-provider-openstack v3.4.0's; the generator is given no exact `provider_versions`,
 * because cdktf writes an exact version in preference to the constraint.
 */
const PROVIDER_CONSTRAINT = '~> 3.4';
const stamp = path.join(outDir, 'providers', 'openstack', '.schema-sha256');

async function main() {
  const crypto = require('crypto');
  const text = fs.readFileSync(schemaFile, 'utf8');
  const digest = crypto.createHash('sha256').update(text).update(fs.readFileSync(__filename)).digest('hex');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === digest) {
    return;
  }
  const started = process.hrtime.bigint();
  // @cdktf/commons runs `terraform version` when loaded; without a CLI config file that
  // prints a frightening but harmless error. Give it an empty one (for this process only) when the configured one is missing.
  const cliConfig = process.env.TF_CLI_CONFIG_FILE;
  if (!cliConfig || !fs.existsSync(cliConfig)) process.env.TF_CLI_CONFIG_FILE = '/dev/null';
  process.env.CHECKPOINT_DISABLE = '1';
  const { TerraformProviderGenerator, CodeMaker } = require('@cdktf/provider-generator');
  const commons = require('@cdktf/commons');
  const schema = JSON.parse(text);
  delete schema.header;
  // The same target `cdktf get` builds from cdktf.json's "terraformProviders" entry, so the
  // generated provider carries the version constraint into `required_providers`.
  const constraint = new commons.TerraformProviderConstraint(
    `terraform-provider-openstack/openstack@${PROVIDER_CONSTRAINT}`,
  );
  const code = new CodeMaker();
  const generator = new TerraformProviderGenerator(code, schema);
  generator.generate(new commons.ConstructsMakerProviderTarget(constraint, commons.LANGUAGES[0]));
  fs.rmSync(path.join(outDir, 'providers', 'openstack'), { recursive: true, force: true });
  await generator.save(outDir);
  fs.writeFileSync(stamp, digest);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(`generated OpenStack bindings into .gen/providers/openstack in ${ms.toFixed(0)} ms\n`);
}

main().catch((err) => {
  process.stderr.write(`gen-bindings: ${err.stack || err}\n`);
  process.exit(1);
});
