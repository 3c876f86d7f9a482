// The test environment of every test file (jest.config.js): jest's node environment, plus a
// private temporary folder. TMPDIR points into it while the file runs, so everything the file
// makes there (our tempDir(), cdktf's Testing.app() outdirs, files of the daemons it starts) is
// removed when the file ends, whether its tests passed or not. Its name is short (`/tmp/wfXXXXXX`):
// haproxy refuses unix socket paths over 97 characters, and tests put sockets in their folders.
'use strict';
const fs = require('fs');
const path = require('path');
const { TestEnvironment } = require('jest-environment-node');

/** Mount points under `dir` (a test's private mount namespace is gone by now; this is a guard). */
function mountsUnder(dir) {
  try {
    return fs
      .readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1])
      .filter((m) => m && (m === dir || m.startsWith(`${dir}/`)));
  } catch {
    return [];
  }
}

class WebfarmEnvironment extends TestEnvironment {
  constructor(config, context) {
    const base = process.env.WEBFARM_TEST_TMPDIR;
    const dir = base ? fs.mkdtempSync(path.join(base, 'wf')) : undefined;
    // before super(): the test's copy of process.env is taken there
    if (dir) process.env.TMPDIR = dir;
    super(config, context);
    this.webfarmBase = base;
    this.webfarmTmp = dir;
  }

  async teardown() {
    await super.teardown();
    if (!this.webfarmTmp) return;
    process.env.TMPDIR = this.webfarmBase;
    const mounts = mountsUnder(this.webfarmTmp);
    if (mounts.length) {
      process.stderr.write(
        `\n*** ${this.webfarmTmp} left in place: still mounted at ${mounts.join(', ')} ***\n`,
      );
      return;
    }
    fs.rmSync(this.webfarmTmp, { recursive: true, force: true, maxRetries: 3 });
  }
}

module.exports = WebfarmEnvironment;
