/** Tests run TypeScript through sucrase (type checking is `npm run lint`'s job). */
const os = require('os');

// Each test file gets its own TMPDIR under this folder (test/support/environment.js), removed
// when the file ends. Short names: unix socket paths under it are limited to ~100 characters.
if (!process.env.WEBFARM_TEST_TMPDIR) process.env.WEBFARM_TEST_TMPDIR = os.tmpdir();
require('./test/support/notices').resetNotices();

module.exports = {
  testEnvironment: '<rootDir>/test/support/environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/test/support/ts-transform.js' },
  setupFilesAfterEnv: ['<rootDir>/test/support/quiet.ts', '<rootDir>/test/support/property-seed.ts'],
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  // jest's transform cache, out of the temporary folder (a run leaves nothing there)
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  testTimeout: 120000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
