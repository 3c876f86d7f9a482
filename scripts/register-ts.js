// Lets Node require TypeScript files directly (main.ts, examples, bench, the CLI from source),
// by transpiling them with sucrase (pure JavaScript, no native binary) on load. Type checking is
// `npm run lint`'s job, not this hook's.
'use strict';
const fs = require('fs');
const { transform } = require('sucrase');

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transform(source, {
    transforms: ['typescript', 'imports'],
    filePath: filename,
    production: true,
    disableESTransforms: true,
  });
  module._compile(code, filename);
};
