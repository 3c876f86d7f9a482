// After the whole run: the skip-notice file (test/support/notices.js) is the one temporary file
// the main process keeps for the run; every test file's folder is removed by
// test/support/environment.js.
'use strict';
const fs = require('fs');
const { noticeFile } = require('./notices');

module.exports = async function globalTeardown() {
  fs.rmSync(noticeFile(), { force: true });
};
