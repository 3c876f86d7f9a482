// Where test files record "skipped because X is missing" for the summary reporter. The path is
// fixed by jest.config.js in the main jest process and inherited by the workers.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
function noticeFile() {
  if (!process.env.WEBFARM_NOTICE_FILE) {
    process.env.WEBFARM_NOTICE_FILE = path.join(os.tmpdir(), `webfarm-test-skips-${process.pid}.txt`);
  }
  return process.env.WEBFARM_NOTICE_FILE;
}
function resetNotices() {
  fs.rmSync(noticeFile(), { force: true });
}
function recordNotice(text) {
  fs.appendFileSync(noticeFile(), `${text}\n`);
}
function readNotices() {
  try {
    return [...new Set(fs.readFileSync(noticeFile(), 'utf8').split('\n').filter(Boolean))];
  } catch {
    return [];
  }
}
module.exports = { noticeFile, resetNotices, recordNotice, readNotices };
