/** Tests run TypeScript through sucrase (type checking is `npm run lint`'s job). */
const fs = require('fs');
const os = require('os');
const path = require('path');

// One temporary folder for the run; each test file gets its own inside it as TMPDIR
// (test/support/environment.js), removed when the file ends. global-teardown.js checks it empty.
if (!process.env.WEBFARM_TEST_TMPDIR || !fs.existsSync(process.env.WEBFARM_TEST_TMPDIR)) {
  process.env.WEBFARM_TEST_TMPDIR = fs.mkdtempSync(path.join(os.tmpdir(), 'webfarm-jest-'));
}
process.env.TMPDIR = process.env.WEBFARM_TEST_TMPDIR;
require('./test/support/notices').resetNotices();

module.exports = {
  testEnvironment: '<rootDir>/test/support/environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/test/support/ts-transform.js' },
  setupFilesAfterEnv: ['<rootDir>/test/support/quiet.ts', '<rootDir>/test/support/property-seed.ts'],
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 120000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
