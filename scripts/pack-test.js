#!/usr/bin/env node
// The pack-and-consume test (`npm run test:pack`, run by .ci/run): what a user does with the
// package, in a fresh project.
//
// 1. `npm pack` (prepack builds dist/).
// 2. A new project with the files `cdktf init --template=typescript` writes, taken from the
//    cdktf-cli 0.21.0 template in node_modules (tsconfig.json with CommonJS/node10 resolution,
//    cdktf.json running `npx ts-node main.ts`, package.json), plus the template's dev tools
//    (@types/node, typescript, ts-node; jest is left out: nothing here runs it).
// 3. The README's "Embedding the constructs in your own stack" section, executed as written: its
//    `npm install` line (with the tarball for `webfarm`; cdktf@0.21.0 and the newest
//    constructs 10.x from the registry), its main.ts, its `cdktf synth`.
// 4. One copy of constructs in the tree; ../shared/tools/tfcheck and tfsim validate on cdktf.out;
//    the same main.ts type-checks under node16 resolution too (package.json "exports").
// 5. The lower end of the supported range: constructs 10.4.2, synth and tfcheck again.
//
// Needs only the local tarball and the npm registry. `--keep` keeps the temp folder.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const tools = path.resolve(root, '..', 'shared', 'tools');
const template = path.join(root, 'node_modules', 'cdktf-cli', 'bundle', 'templates', 'typescript');
const cdktfCli = path.join(root, 'node_modules', '.bin', 'cdktf');
const LOWEST_CONSTRUCTS = '10.4.2';
const started = Date.now();
const keep = process.argv.includes('--keep');

function step(text) {
  process.stdout.write(`\n--> ${text} (${((Date.now() - started) / 1000).toFixed(0)}s)\n`);
}

/** Runs a command; exits the script (with its output) when it fails. */
function run(cmd, args, cwd, env = {}) {
  process.stdout.write(`$ ${[cmd, ...args].join(' ')}\n`);
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...cleanEnv(), CHECKPOINT_DISABLE: '1', CI: 'true', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    process.stderr.write(
      `${r.stdout ?? ''}${r.stderr ?? ''}\npack-test: \`${cmd} ${args.join(' ')}\` failed (${r.status ?? r.signal})\n`,
    );
    throw new Error('step failed');
  }
  return r.stdout;
}

/** The caller's environment without npm's per-script variables (the app is not this package). */
function cleanEnv() {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^npm_(package|lifecycle|config_(prefix|global|local))/i.test(k),
    ),
  );
}

/** The code blocks of the README's embedding section, in order: [{ lang, text }]. */
function embeddingSection() {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const begin = readme.indexOf('## Embedding the constructs in your own stack');
  const end = readme.indexOf('\n## ', begin + 1);
  if (begin < 0) throw new Error('README.md has no "Embedding the constructs in your own stack" section');
  const section = readme.slice(begin, end < 0 ? undefined : end);
  return [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));
}

/** The template files as `cdktf init` writes them (sscaff substitutes `{{name}}` from its context). */
function writeTemplateProject(dir) {
  const context = {
    $base: path.basename(dir),
    projectId: 'pack-test',
    sendCrashReports: 'false',
    futureFlags: '',
  };
  const fill = (text) => text.replace(/\{\{\s*([$\w]+)\s*\}\}/g, (_m, key) => context[key] ?? '');
  for (const name of ['tsconfig.json', 'cdktf.json', 'package.json']) {
    fs.writeFileSync(path.join(dir, name), fill(fs.readFileSync(path.join(template, name), 'utf8')));
  }
  JSON.parse(fs.readFileSync(path.join(dir, 'cdktf.json'), 'utf8')); // the substitution left valid JSON
}

/** Every installed copy of constructs under `dir`'s node_modules, as `path@version`. */
function constructsCopies(dir) {
  const found = [];
  const walk = (nm) => {
    if (!fs.existsSync(nm)) return;
    for (const e of fs.readdirSync(nm)) {
      if (e.startsWith('.')) continue;
      const p = path.join(nm, e);
      if (e.startsWith('@')) {
        for (const s of fs.readdirSync(p)) walk(path.join(p, s, 'node_modules'));
        continue;
      }
      if (e === 'constructs') {
        found.push(
          `${path.relative(dir, p)}@${JSON.parse(fs.readFileSync(path.join(p, 'package.json'), 'utf8')).version}`,
        );
      }
      walk(path.join(p, 'node_modules'));
    }
  };
  walk(path.join(dir, 'node_modules'));
  return found;
}

function checkOutput(app, validate) {
  const out = path.join(app, 'cdktf.out');
  const stacks = fs.readdirSync(path.join(out, 'stacks'));
  if (stacks.length === 0) throw new Error('cdktf synth wrote no stack');
  const stack = JSON.parse(fs.readFileSync(path.join(out, 'stacks', stacks[0], 'cdk.tf.json'), 'utf8'));
  const pin = stack.terraform?.required_providers?.openstack?.version;
  if (pin !== '~> 3.4')
    throw new Error(`required_providers.openstack.version is ${JSON.stringify(pin)}, not "~> 3.4"`);
  process.stdout.write(run(path.join(tools, 'tfcheck'), [out], app).trim().split('\n').pop() + '\n');
  if (!validate) return;
  if (spawnSync('terraform', ['version'], { stdio: 'ignore' }).status !== 0) {
    process.stdout.write('\n*** terraform is not on PATH: tfsim validate SKIPPED ***\n\n');
    return;
  }
  process.stdout.write(
    run(path.join(tools, 'tfsim'), ['validate', out], app).trim().split('\n').pop() + '\n',
  );
}

/** The README's three steps: the install line (split), main.ts, and `cdktf synth`. */
function readmeSteps() {
  const blocks = embeddingSection();
  const install = blocks.find((b) => b.lang === 'sh' && /npm install/.test(b.text));
  const mainTs = blocks.find((b) => b.lang === 'ts');
  const synth = blocks.find((b) => b.lang === 'sh' && /cdktf synth/.test(b.text));
  if (!install || !mainTs || !synth)
    throw new Error(
      'README embedding section: expected an npm install block, a ts block and a cdktf synth block',
    );
  const installArgs = install.text.trim().split(/\s+/);
  if (installArgs[0] !== 'npm' || installArgs[1] !== 'install' || !installArgs.includes('webfarm')) {
    throw new Error(
      `README embedding section: the install block is not one \`npm install webfarm ...\` line: ${install.text}`,
    );
  }
  if (synth.text.trim() !== 'cdktf synth')
    throw new Error(`README embedding section: the synth block is not \`cdktf synth\``);

  return { install, installArgs, mainTs, synth };
}

function main() {
  for (const tool of [cdktfCli, path.join(tools, 'tfcheck'), path.join(tools, 'tfsim')]) {
    if (!fs.existsSync(tool)) throw new Error(`${tool} is missing`);
  }
  const { install, installArgs, mainTs } = readmeSteps();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'webfarm-pack-'));
  try {
    step('npm pack (prepack builds dist/)');
    const packed = JSON.parse(
      run('npm', ['pack', '--json', '--pack-destination', work], root).replace(/^[^[]*/s, ''),
    );
    const tarball = path.join(work, packed[0].filename);
    const files = packed[0].files.map((f) => f.path);
    for (const needed of [
      'dist/lib/index.js',
      'dist/lib/index.d.ts',
      'dist/lib/providers/openstack.d.ts',
      'dist/lib/config/api.d.ts',
      'LICENSE',
      'README.md',
      'docs/architecture.md',
      'bin/webfarm.js',
    ]) {
      if (!files.includes(needed)) throw new Error(`the tarball lacks ${needed}`);
    }
    const stray = files.filter((f) => /^(lib|test|\.gen|scripts)\/|\.tsbuildinfo$/.test(f));
    if (stray.length)
      throw new Error(`the tarball ships files users do not need: ${stray.slice(0, 5).join(', ')}`);
    process.stdout.write(
      `${packed[0].filename}: ${files.length} files, ${(packed[0].size / 1e6).toFixed(1)} MB\n`,
    );

    step('a fresh project from the cdktf init --template=typescript files');
    const app = path.join(work, 'my-farm');
    fs.mkdirSync(app);
    writeTemplateProject(app);
    fs.writeFileSync(path.join(app, 'main.ts'), mainTs.text);
    const devVersions = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).devDependencies;
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        '-D',
        `@types/node@${devVersions['@types/node']}`,
        `typescript@${devVersions.typescript}`,
        'ts-node@10.9.2',
      ],
      app,
    );

    step(`the README's install line: ${install.text.trim()}`);
    const args = installArgs.slice(2).map((a) => (a === 'webfarm' ? tarball : a));
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...args], app);
    const copies = constructsCopies(app);
    process.stdout.write(`constructs: ${copies.join(', ')}\n`);
    if (copies.length !== 1) throw new Error(`expected one copy of constructs, found ${copies.join(', ')}`);

    step('cdktf synth (the template runs `npx ts-node main.ts`: type-checked with node10 resolution)');
    run(cdktfCli, ['synth'], app);
    checkOutput(app, true);
    step('the webfarm command from the package: npx webfarm review');
    const review = run(path.join(app, 'node_modules', '.bin', 'webfarm'), ['review', 'cdktf.out'], app);
    if (!/farm/.test(review)) throw new Error(`webfarm review printed no stack:\n${review.slice(0, 500)}`);
    process.stdout.write(`${review.split('\n').length} lines of review Markdown\n`);

    step('the same main.ts under node16 resolution (package.json "exports")');
    run(
      path.join(app, 'node_modules', '.bin', 'tsc'),
      ['--noEmit', '-p', '.', '--module', 'node16', '--moduleResolution', 'node16', '--incremental', 'false'],
      app,
    );

    step(`the lower end: constructs ${LOWEST_CONSTRUCTS}`);
    run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--loglevel=error', `constructs@${LOWEST_CONSTRUCTS}`],
      app,
    );
    const lower = constructsCopies(app);
    if (lower.length !== 1 || !lower[0].endsWith(`@${LOWEST_CONSTRUCTS}`))
      throw new Error(`expected constructs ${LOWEST_CONSTRUCTS} once, found ${lower.join(', ')}`);
    fs.rmSync(path.join(app, 'cdktf.out'), { recursive: true, force: true });
    run(cdktfCli, ['synth'], app);
    checkOutput(app, false);
    step('pack-and-consume test passed');
  } finally {
    if (keep) process.stdout.write(`kept ${work}\n`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`pack-test: ${err.message}\n`);
    process.exit(1);
  }
}

module.exports = { readmeSteps };
