/**
 * Every test file runs with this (jest.config.js `setupFilesAfterEnv`): fast-check's global seed
 * is the run's fixed seed (test/support/seed.js; `WEBFARM_SEED` overrides it, the summary prints
 * it), so property tests check the same cases on every run.
 */
import fc from 'fast-check';

const { propertySeed } = require('./seed') as { propertySeed: () => number };

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: propertySeed() });
