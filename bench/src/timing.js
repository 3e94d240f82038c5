// Issue 9, part 3: does rejecting a forged signature take the same time whether its first or
// its last hex digit is wrong? Reports distributions only; a benchmark, never a test.
import { Buffer } from "node:buffer";
import { beamHeaders, TASK_ID } from "./fixtures.js";
import { median, progress, quantile } from "./measure.js";
import { coreOptions } from "./variants.js";

/** The signature with the hex digit at `index` changed to another hex digit. */
function flip(signature, index) {
  const digit = signature[index] === "0" ? "1" : "0";
  return signature.slice(0, index) + digit + signature.slice(index + 1);
}

function summarize(nanos) {
  return {
    n: nanos.length,
    p10: quantile(nanos, 0.1),
    median: median(nanos),
    p90: quantile(nanos, 0.9),
    mean: nanos.reduce((a, b) => a + b, 0) / nanos.length,
  };
}

/**
 * For each entry, times `samples` rejections per case with a 70-byte body (so the compare is
 * as large a share of the call as it can be), cases drawn in random order so load drifts hit
 * both alike, after a warm-up.
 */
export async function runTiming({ samples = 10_000 } = {}) {
  const body = Buffer.from(`{"data": {"task": "${TASK_ID}", "result": 10}}`);
  const headers = beamHeaders(body);
  const signature = headers["x-task-signature"];
  const cases = {
    first: { ...headers, "x-task-signature": flip(signature, 0) },
    last: { ...headers, "x-task-signature": flip(signature, 63) },
  };
  const results = [];
  for (const [entry, specifier] of [
    ["Node entry", "@taskhook/core"],
    ["Web entry", "@taskhook/core/web"],
  ]) {
    const { createVerifier } = await import(specifier);
    const verifier = createVerifier(coreOptions);
    const reject = async (h) => {
      const start = process.hrtime.bigint();
      try {
        await verifier.verify({ headers: h, body });
      } catch (error) {
        const end = process.hrtime.bigint();
        if (error.code !== "INVALID_SIGNATURE") throw error;
        return Number(end - start);
      }
      throw new Error("a forged signature was accepted");
    };
    for (let i = 0; i < 2000; i++) await reject(i % 2 === 0 ? cases.first : cases.last);
    const nanos = { first: [], last: [] };
    for (let i = 0; i < 2 * samples; i++) {
      const which =
        nanos.first.length >= samples
          ? "last"
          : nanos.last.length >= samples
            ? "first"
            : Math.random() < 0.5
              ? "first"
              : "last";
      nanos[which].push(await reject(cases[which]));
    }
    const first = summarize(nanos.first);
    const last = summarize(nanos.last);
    results.push({ entry, first, last, medianDelta: last.median - first.median });
    progress(`timing ${entry} done`);
  }
  return results;
}

export function timingTable(results) {
  const us = (ns) => (ns / 1000).toFixed(2);
  const lines = [
    "| entry | wrong digit | samples | p10 µs | median µs | p90 µs | mean µs |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    for (const [label, s] of [
      ["first", r.first],
      ["last", r.last],
    ]) {
      lines.push(`| ${r.entry} | ${label} | ${s.n} | ${us(s.p10)} | ${us(s.median)} | ${us(s.p90)} | ${us(s.mean)} |`);
    }
  }
  lines.push("");
  for (const r of results) {
    const pct = ((100 * r.medianDelta) / r.first.median).toFixed(1);
    lines.push(
      `- ${r.entry}: median(last) - median(first) = ${(r.medianDelta / 1000).toFixed(3)} µs (${pct}% of the median).`,
    );
  }
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await runTiming({ samples: Number(process.env.TIMING_SAMPLES ?? 10_000) });
  if (process.send) process.send(results);
  else console.log(timingTable(results));
}
