#!/usr/bin/env node
// Runs a TypeScript entry point: `node scripts/run-ts.js main.ts [args…]`.
'use strict';
const path = require('path');
require('./register-ts');
const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.js FILE.ts [args…]');
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(entry), ...rest];
require(path.resolve(entry));
