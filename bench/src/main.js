// pnpm bench: micro, memory, HTTP and timing in one run; prints Markdown and writes RESULTS.md.
import { fork } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { KiB, MiB } from "./fixtures.js";
import { availableEntries, runHttp } from "./http.js";
import { progress } from "./measure.js";
import { runMemory } from "./memory.js";
import { report } from "./report.js";
import { versionOf } from "./variants.js";

const started = Date.now();
// BENCH_QUICK=1: a short run to check the bench itself; its numbers mean little.
const quick = process.env.BENCH_QUICK === "1";
const childEnv = quick ? { BENCH_ROUNDS: "2", TIMING_SAMPLES: "2000" } : {};
const loadBefore = loadavg();

/** Runs a bench module in a fresh process and returns what it posts back. */
function inChild(script, env = {}) {
  return new Promise((resolve, reject) => {
    let result;
    const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.on("message", (message) => {
      result = message;
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      result !== undefined ? resolve(result) : reject(new Error(`${script} exited ${code}`)),
    );
  });
}

progress("micro: 4 sizes x 6 variants, interleaved rounds");
const micro = await inChild("./micro.js", childEnv);
progress("memory: 64 MiB body, one process per variant");
const memory = await runMemory();
progress(`http: ${availableEntries().length} pair(s), 50 connections, 10 s per route`);
const http = await runHttp(quick ? { segments: 2, segmentRequests: 10_000 } : {});
progress("timing: forged signatures, first vs last hex digit");
const timing = await inChild("./timing.js", childEnv);
progress("refusals: accepted, refused, refused + diagnosis, at 3 sizes");
const refusals = await inChild("./refusals.js", childEnv);

const peers = ["standardwebhooks", "@octokit/webhooks-methods", "stripe"];
const tools = ["autocannon", ...new Set(availableEntries().flatMap((e) => e.frameworks ?? []))];
const markdown = report({
  micro,
  memory,
  http,
  timing,
  refusals,
  meta: {
    date: new Date().toISOString(),
    cpu: `${cpus()[0]?.model ?? "unknown"} x ${cpus().length}`,
    memory: `${Math.round(totalmem() / MiB / 1024)} GiB`,
    node: process.version,
    os: `${process.platform} ${release()}`,
    load: { before: loadBefore, after: loadavg() },
    versions: Object.fromEntries([...peers, ...tools].map((name) => [name, versionOf(name)])),
    seconds: (Date.now() - started) / 1000,
    sizes: [1 * KiB, 64 * KiB, 1 * MiB, 16 * MiB],
  },
});
// The CPU profile of the slowest adapter is read by a person, not measured here: it comes from
// profile.js, summarised by hand in PROFILE.md, and rides along with each run's results.
const profileNotes = new URL("../PROFILE.md", import.meta.url);
const full = existsSync(profileNotes) ? `${markdown}\n${readFileSync(profileNotes, "utf8")}` : markdown;
writeFileSync(new URL("../RESULTS.md", import.meta.url), full);
console.log(full);
