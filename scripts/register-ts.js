// Lets Node require TypeScript files directly (main.ts, examples, bench, the CLI from source),
// by transpiling them with sucrase (pure JavaScript, no native binary) on load. Type checking is
// `npm run lint`'s job, not this hook's.
//
// Transpiled code is cached on disk (node_modules/.cache/webfarm-ts, one file per source text),
// keyed by the file's path, its text, and sucrase's version and options: a start-up then reads
// the ~80 files it needs (the generated bindings among them) instead of transpiling them again.
// WEBFARM_TS_CACHE=0 turns the cache off.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { transform } = require('sucrase');

const OPTIONS = { transforms: ['typescript', 'imports'], production: true, disableESTransforms: true };
const SALT = `${require('sucrase/package.json').version}\n${JSON.stringify(OPTIONS)}\n`;
const cacheDir =
  process.env.WEBFARM_TS_CACHE === '0'
    ? undefined
    : path.join(__dirname, '..', 'node_modules', '.cache', 'webfarm-ts');

function transpile(source, filename) {
  return transform(source, { ...OPTIONS, filePath: filename }).code;
}

function cached(source, filename) {
  const key = crypto
    .createHash('sha256')
    .update(SALT)
    .update(filename)
    .update('\n')
    .update(source)
    .digest('hex');
  const file = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    // not cached yet
  }
  const code = transpile(source, filename);
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    // Written under a private name, then renamed: a concurrent reader sees all or nothing.
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, code);
    fs.renameSync(temp, file);
  } catch {
    // a read-only checkout still runs, uncached
  }
  return code;
}

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  module._compile(cacheDir ? cached(source, filename) : transpile(source, filename), filename);
};
