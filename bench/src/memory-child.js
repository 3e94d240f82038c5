// One memory measurement in a fresh process: node --expose-gc memory-child.js <variant> <body file>
import { readFileSync, writeFileSync } from "node:fs";
import { KiB, makeBody } from "./fixtures.js";
import { variant } from "./variants.js";

const [name, file] = process.argv.slice(2);
const v = variant(name);

/** VmRSS / VmHWM of this process in bytes, from /proc (Linux). */
function status(field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"));
  return Number(match[1]) * 1024;
}

/** Live JS heap plus off-heap memory (strings, arrays, buffers) after a full collection. */
function live() {
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

// Load and compile every code path on a small body first, so the big run measures data.
const small = makeBody(16 * KiB);
const warm = await v.prepare(small);
for (let i = 0; i < 20; i++) await warm();

const body = readFileSync(file);
const run = await v.prepare(body);
globalThis.gc();
globalThis.gc();
const baselineRss = status("VmRSS");
const liveBefore = live();
let peakReset = true;
try {
  // Linux: writing 5 resets VmHWM to the current RSS, so the peak below is this call's alone.
  writeFileSync("/proc/self/clear_refs", "5");
} catch {
  peakReset = false;
}
let result = run();
if (result instanceof Promise) result = await result;
const peakRss = peakReset ? status("VmHWM") : process.resourceUsage().maxRSS * 1024;
const retained = live() - liveBefore;
if (typeof result !== "object" || result === null) throw new Error(`${name} returned no object`);
process.send({ name, bytes: body.length, baselineRss, peakRss, retained, peakReset });
