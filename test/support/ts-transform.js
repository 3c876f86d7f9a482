// Jest transformer: TypeScript to CommonJS with sucrase (pure JavaScript, fast; no type checks,
// which `npm run lint` does). Source maps keep stack traces pointing at the .ts lines.
'use strict';
const crypto = require('crypto');
const { transform } = require('sucrase');

module.exports = {
  process(source, filePath) {
    const result = transform(source, {
      transforms: ['typescript', 'imports', 'jest'],
      filePath,
      production: true,
      disableESTransforms: true,
      sourceMapOptions: { compiledFilename: filePath },
    });
    return { code: result.code, map: result.sourceMap };
  },
  getCacheKey(source, filePath) {
    return crypto.createHash('sha256').update(source).update(filePath).update('sucrase-3').digest('hex');
  },
};
