// `npm test`: generate, build both hosts and the offline command (tests load the built artifacts), run the whole suite, and end with
// one line "N passed, N failed" for CI.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, existsSync, writeFileSync } from "node:fs";

const run = (cmd, args) => spawnSync(cmd, args, { stdio: "inherit", shell: process.platform === "win32" }).status ?? 1;
const bin = (n) => `node_modules/.bin/${n}`;

let status = run(bin("tsx"), ["scripts/gen-functions.ts"]);
if (status === 0) status = run(bin("webpack"), ["--mode", "production"]);
if (status === 0) status = run(process.execPath, ["scripts/build-cli.mjs"]);
// webpack leaves an unchanged output file as it was (with its old time): this stamp says dist/ is this build's.
if (status === 0) { mkdirSync("dist", { recursive: true }); writeFileSync("dist/.built", new Date().toISOString() + "\n"); }
if (status !== 0) {
  console.log("\nThe build failed, so no test ran.\n0 passed, 1 failed");
  process.exit(status);
}
mkdirSync(".test-tmp", { recursive: true });
const report = ".test-tmp/vitest.json";
status = run(bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile=${report}`, ...process.argv.slice(2)]);
if (!existsSync(report)) {
  console.log("0 passed, 1 failed");
  process.exit(status || 1);
}
const r = JSON.parse(readFileSync(report, "utf8"));
const failed = r.numFailedTests + (r.numFailedTestSuites && !r.numFailedTests ? r.numFailedTestSuites : 0);
// A check that needs something the machine lacks is not run, and says so: it never counts as passed.
const notRun = r.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === "skipped" || a.status === "pending" || a.status === "todo"));
if (notRun.length) console.log("");
for (const a of notRun) console.log(`Not run: ${a.fullName}`);
console.log(`\n${r.numPassedTests} passed, ${failed} failed`);
process.exit(status !== 0 ? status : failed ? 1 : 0);
