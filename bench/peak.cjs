// Preloaded (node -r) into every benchmarked process: on exit, writes its peak resident memory (KB) and, if the
// process reported one, its own "load" time to the file named by PCN_BENCH_REPORT. Same for ours and the baseline.
const fs = require("node:fs");
const report = process.env.PCN_BENCH_REPORT;
globalThis.__pcnBenchLoadMs = 0;
if (report) process.on("exit", () => fs.writeFileSync(report, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, loadMs: globalThis.__pcnBenchLoadMs })));
