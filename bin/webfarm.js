#!/usr/bin/env node
// The `webfarm` command (package.json "bin"). An installed package runs the compiled
// dist/lib/cli/main.js; a source checkout (which has lib/cli/main.ts) runs the TypeScript source
// through scripts/register-ts.js, so the command never runs a stale build.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const source = path.join(root, 'lib', 'cli', 'main.ts');
const compiled = path.join(root, 'dist', 'lib', 'cli', 'main.js');

function load() {
  if (fs.existsSync(source)) {
    try {
      require(path.join(root, 'scripts', 'register-ts.js'));
      return require(source);
    } catch (error) {
      if (!fs.existsSync(compiled)) throw error;
    }
  }
  if (fs.existsSync(compiled)) return require(compiled);
  console.error(`webfarm: neither ${compiled} nor ${source} exists; run \`npm run build\``);
  process.exit(1);
}

load()
  .run(process.argv.slice(2))
  .then((status) => {
    process.exitCode = status;
  });
