#!/usr/bin/env node
// `npm run synth`: synthesizes every stack into cdktf.out (no cloud account needed), then runs
// ../shared/tools/tfcheck on it when that tool is present (it is in this project's CI; users
// without it still get the synthesized stacks).
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const outdir = path.join(root, 'cdktf.out');
fs.rmSync(outdir, { recursive: true, force: true });
const synth = spawnSync(process.execPath, [path.join(__dirname, 'run-ts.js'), path.join(root, 'main.ts')], {
  stdio: 'inherit',
  env: { ...process.env, CDKTF_OUTDIR: outdir },
});
if (synth.status !== 0) process.exit(synth.status ?? 1);
const stacks = fs.readdirSync(path.join(outdir, 'stacks'));
console.log(`synthesized ${stacks.length} stacks into cdktf.out: ${stacks.join(', ')}`);

const tfcheck = path.resolve(root, '..', 'shared', 'tools', 'tfcheck');
if (fs.existsSync(tfcheck)) {
  const check = spawnSync(tfcheck, [outdir], { stdio: 'inherit' });
  process.exit(check.status ?? 1);
} else {
  console.log('tfcheck not found beside the project (../shared/tools/tfcheck): schema check skipped');
}
