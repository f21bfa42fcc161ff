// Adds up every package's vitest JSON report into the one closing line CI reads.
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

const files = execFileSync("find", [".", "-name", ".vitest-report.json", "-not", "-path", "*/node_modules/*"], { encoding: "utf8" })
  .split("\n")
  .filter(Boolean);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numFailedTestSuites ?? 0);
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}
if (files.length === 0 || passed === 0) {
  console.error("no test reports found");
  process.exit(1);
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
