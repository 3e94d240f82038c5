#!/usr/bin/env node
// The long fuzz run: the property tests of test/property.test.ts, with the harness they share
// (test/fuzz-harness.ts) pointed at the built Web Crypto and node:crypto builds, counting every violation
// instead of stopping at the first.
//
//   pnpm --filter @taskhook/core fuzz              100,000 runs against each build
//   pnpm --filter @taskhook/core fuzz -- 1000000   any other number of runs per build
//   TASKHOOK_FUZZ_SEED=123 ... fuzz                 replay a run's seeds
//
// Builds first when dist/ is missing or `--build` is given. Exits 1 on any violation.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2).filter((a) => a !== "--");
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const builds = [
  { project: "web", file: "dist/index.js", seam: "Web Crypto" }, // with dist/adapter.js
  { project: "node", file: "dist/node.js", seam: "node:crypto" }, // with dist/node-adapter.js
];

if (args.includes("--build") || builds.some((b) => !existsSync(join(root, b.file)))) {
  const build = spawnSync("pnpm", ["run", "build"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const reports = mkdtempSync(join(tmpdir(), "taskhook-fuzz-"));
const started = performance.now();
console.log(`taskhook fuzz: ${runs.toLocaleString("en")} runs against each of ${builds.map((b) => b.file).join(", ")}`);
for (const b of builds) console.log(`  ${b.file} built ${statSync(join(root, b.file)).mtime.toISOString()}`);

// Both builds run at once, one vitest project (worker) each.
const vitest = spawnSync(
  "pnpm",
  [
    "exec",
    "vitest",
    "run",
    "test/property.test.ts",
    ...builds.flatMap((b) => ["--project", b.project]),
    "--reporter=dot",
  ],
  {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      TASKHOOK_FUZZ_TARGET: "dist",
      TASKHOOK_FUZZ_RUNS: String(runs),
      TASKHOOK_FUZZ_REPORT: reports,
    },
  },
);
const seconds = (performance.now() - started) / 1000;

const columns = ["runs", "forgeries", "untyped", "prototype", "wrong"];
const titles = ["runs", "forgeries accepted", "untyped exceptions", "prototype mutations", "wrong results"];
const totals = Object.fromEntries(columns.map((c) => [c, 0]));
const rows = [];
let missing = false;
for (const b of builds) {
  const path = join(reports, `${b.project}.json`);
  if (!existsSync(path)) {
    missing = true;
    console.error(`no report for ${b.file}: the test run failed before finishing`);
    continue;
  }
  const report = JSON.parse(readFileSync(path, "utf8"));
  for (const c of columns) totals[c] += report[c];
  rows.push([`${b.file} (${b.seam})`, ...columns.map((c) => report[c].toLocaleString("en"))]);
  console.log(`\n${b.file}: seeds ${JSON.stringify(report.seeds)}`);
  for (const [property, counts] of Object.entries(report.outcomes)) {
    const shown = Object.entries(counts)
      .sort((x, y) => y[1] - x[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(", ");
    console.log(`  ${property.padEnd(18)} ${shown}`);
  }
  for (const example of report.examples) console.log(`  ! ${example}`);
}
rmSync(reports, { recursive: true, force: true });
rows.push(["total", ...columns.map((c) => totals[c].toLocaleString("en"))]);

const table = [["build", ...titles], ...rows];
const widths = table[0].map((_, i) => Math.max(...table.map((r) => String(r[i]).length)));
console.log("");
for (const row of table)
  console.log(row.map((cell, i) => String(cell)[i === 0 ? "padEnd" : "padStart"](widths[i])).join("  "));
console.log(`wall time: ${seconds.toFixed(1)} s`);

const failed = missing || vitest.status !== 0 || columns.slice(1).some((c) => totals[c] > 0);
process.exit(failed ? 1 : 0);
