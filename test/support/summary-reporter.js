// Prints one plain closing line, `tests: N passed, N failed, N skipped`, after jest's summary,
// and repeats the loud skip notices (missing daemons or tools) so nobody misses them.
'use strict';
const { readNotices } = require('./notices');
const { DEFAULT_SEED, propertySeed } = require('./seed');
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const notices = readNotices();
    if (notices.length) {
      console.log('\nSKIPPED because tools are missing (install them as .ci/run does):');
      for (const n of notices) console.log(`  - ${n}`);
    }
    const seed = propertySeed();
    console.log(
      `\nproperty tests: fast-check seed ${seed}${seed === DEFAULT_SEED ? ' (the fixed default)' : ' (WEBFARM_SEED)'}; ` +
        'WEBFARM_SEED=<integer> npm test checks other cases',
    );
    const skipped = results.numPendingTests + results.numTodoTests;
    console.log(
      `\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`,
    );
  }
}
module.exports = SummaryReporter;
