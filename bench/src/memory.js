import { fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MiB, makeBody } from "./fixtures.js";
import { progress } from "./measure.js";
import { floorParts, variants } from "./variants.js";

export const MEMORY_BODY_BYTES = 64 * MiB;
const child = fileURLToPath(new URL("./memory-child.js", import.meta.url));

/**
 * Peak RSS of one verification of a 64 MiB body, each variant in its own process. The
 * baseline is taken with the body already in memory (a server has read it before verifying),
 * and `retained` is what the parsed result still holds after a full GC, so
 * `extra = peak - baseline - retained` is what verifying costs beyond the body and its result.
 */
export async function runMemory() {
  const dir = mkdtempSync(join(tmpdir(), "taskhook-bench-"));
  const file = join(dir, "body.json");
  writeFileSync(file, makeBody(MEMORY_BODY_BYTES));
  try {
    const results = [];
    for (const v of [...variants, ...floorParts]) {
      const measured = await new Promise((resolve, reject) => {
        let message;
        const p = fork(child, [v.name, file], {
          execArgv: ["--expose-gc"],
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        });
        p.on("message", (m) => {
          message = m;
        });
        p.on("error", reject);
        p.on("exit", (code) =>
          message ? resolve(message) : reject(new Error(`memory child ${v.name} exited ${code}`)),
        );
      });
      const peak = measured.peakRss - measured.baselineRss;
      results.push({
        variant: v.name,
        label: v.label,
        peak,
        retained: measured.retained,
        extra: peak - measured.retained,
        peakReset: measured.peakReset,
      });
      progress(`memory ${v.name} done`);
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await runMemory()) {
    console.log(r.variant, (r.peak / MiB).toFixed(1), (r.retained / MiB).toFixed(1), (r.extra / MiB).toFixed(1));
  }
}
