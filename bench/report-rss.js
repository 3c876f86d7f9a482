// Preloaded into a measured process (`node --require bench/report-rss.js …`): at exit, writes
// the process's peak resident set size (KiB, from getrusage) to the file named by
// WEBFARM_BENCH_RSS_FILE, so the benchmark can report whole processes it did not write.
'use strict';
const fs = require('fs');

const file = process.env.WEBFARM_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => fs.writeFileSync(file, String(process.resourceUsage().maxRSS)));
}
