/** Tests run TypeScript through sucrase (type checking is `npm run lint`'s job). */
require('./test/support/notices').resetNotices();

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/test/support/ts-transform.js' },
  testTimeout: 120000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
