// After the whole run: the run's temporary folder (jest.config.js) must be empty, since every
// test file's folder is removed by test/support/environment.js. Anything left is named and fails
// the run; the folder is removed either way.
'use strict';
const fs = require('fs');
const { noticeFile } = require('./notices');

module.exports = async function globalTeardown() {
  const base = process.env.WEBFARM_TEST_TMPDIR;
  if (!base || !fs.existsSync(base)) return;
  fs.rmSync(noticeFile(), { force: true });
  const left = fs.readdirSync(base);
  fs.rmSync(base, { recursive: true, force: true, maxRetries: 3 });
  if (left.length) {
    throw new Error(
      `tests left ${left.length} item(s) in their temporary folder: ${left.slice(0, 10).join(', ')}`,
    );
  }
};
