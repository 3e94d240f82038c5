import { KiB, MiB, makeBody, TASK_ID } from "./fixtures.js";
import { median, opsPerSecond, progress, rotate } from "./measure.js";
import { variants } from "./variants.js";

/** Sizes measured, each with the time slice one variant gets per round. */
export const sizes = [
  { bytes: 1 * KiB, sliceMs: 120 },
  { bytes: 64 * KiB, sliceMs: 150 },
  { bytes: 1 * MiB, sliceMs: 250 },
  { bytes: 16 * MiB, sliceMs: 500 },
];

/**
 * Ops/s of every variant at every size. Variants are interleaved: each round runs every
 * variant for one slice, starting from a different one, and a variant's ratio to the floor
 * is the median over rounds of (its ops/s / the floor's ops/s in the same round), which
 * cancels most of the load other processes put on a shared machine.
 */
export async function runMicro({ rounds = 5, scale = 1, only = sizes.map((s) => s.bytes), names } = {}) {
  const results = [];
  for (const size of sizes.filter((s) => only.includes(s.bytes))) {
    const body = makeBody(size.bytes);
    const runs = [];
    for (const v of variants.filter((v) => names === undefined || v.name === "floor" || names.includes(v.name))) {
      const run = await v.prepare(body);
      let result = run();
      if (result instanceof Promise) result = await result;
      const data = v.data ? v.data(result) : result;
      if (data?.task !== TASK_ID) throw new Error(`${v.name} did not return the callback's data`);
      runs.push({ variant: v, run, ops: [] });
    }
    const sliceMs = size.sliceMs * scale;
    for (const entry of runs) await opsPerSecond(entry.run, sliceMs, 2);
    const floorOps = [];
    for (let round = 0; round < rounds; round++) {
      const opsThisRound = new Map();
      for (const entry of rotate(runs, round)) {
        const ops = await opsPerSecond(entry.run, sliceMs, 2);
        entry.ops.push(ops);
        opsThisRound.set(entry.variant.name, ops);
      }
      floorOps.push(opsThisRound.get("floor"));
    }
    for (const entry of runs) {
      results.push({
        bytes: size.bytes,
        variant: entry.variant.name,
        label: entry.variant.label,
        ops: median(entry.ops),
        ratio: median(entry.ops.map((ops, i) => ops / floorOps[i])),
        samples: entry.ops,
      });
    }
    progress(`micro ${size.bytes} B done`);
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // Alone, for focused runs: BENCH_SIZES=1024,65536 and BENCH_VARIANTS=core-node,core-web.
  const list = (name) => process.env[name]?.split(",").map((s) => s.trim());
  const results = await runMicro({
    rounds: Number(process.env.BENCH_ROUNDS ?? 5),
    only: list("BENCH_SIZES")?.map(Number),
    names: list("BENCH_VARIANTS"),
  });
  if (process.send) process.send(results);
  else for (const r of results) console.log(r.bytes, r.variant, Math.round(r.ops), r.ratio.toFixed(2));
}
