// The cost of saying why a callback was refused (issue 17): a refusal with and without its
// diagnosis, next to an accepted callback, at three sizes. Run in its own process by main.js.
import { beamHeaders, KiB, MiB, makeBody } from "./fixtures.js";
import { median, opsPerSecond, progress, rotate } from "./measure.js";
import { coreOptions } from "./variants.js";

export const refusalSizes = [1 * KiB, 64 * KiB, 1 * MiB];

/**
 * Ops/s of: an accepted verify; a verify refused with INVALID_SIGNATURE (the answer a server
 * sends, no diagnosis); the same refusal plus a full diagnosis (wrong key, so every hypothesis
 * is tested: the worst case, 9 HMACs for one key); and a processor answering the refused
 * request with its default reporting (one diagnosis a second, the rest counted).
 */
export async function runRefusals({ rounds = 5, sliceMs = 200 } = {}) {
  const { createVerifier } = await import("@taskhook/core");
  const { createCallbackProcessor, diagnoseRefusal } = await import("@taskhook/core/adapter");
  const results = [];
  for (const bytes of refusalSizes) {
    const body = makeBody(bytes);
    const headers = beamHeaders(body);
    const forged = { ...headers, "x-task-signature": "0".repeat(64) };
    const verifier = createVerifier(coreOptions);
    const processor = createCallbackProcessor({ ...coreOptions, idempotency: false, onRejected: () => {} });
    const refuse = () =>
      verifier.verify({ headers: forged, body }).then(
        () => {
          throw new Error("a forged signature was accepted");
        },
        (error) => error.code,
      );
    const cases = [
      { name: "accepted", run: async () => (await verifier.verify({ headers, body })).data },
      { name: "refused", run: refuse },
      {
        name: "diagnosed",
        run: async () => diagnoseRefusal({ headers: forged, body }, await refuse(), coreOptions),
      },
      { name: "processor-refused", run: () => processor.process({ method: "POST", headers: forged, body }) },
    ];
    for (const c of cases) await opsPerSecond(c.run, sliceMs / 2, 2);
    const ops = new Map(cases.map((c) => [c.name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const c of rotate(cases, round)) ops.get(c.name).push(await opsPerSecond(c.run, sliceMs, 2));
    }
    const refused = ops.get("refused");
    for (const c of cases) {
      const samples = ops.get(c.name);
      results.push({
        bytes,
        name: c.name,
        ops: median(samples),
        perRefusal: median(samples.map((o, i) => refused[i] / o)),
      });
    }
    progress(`refusals ${bytes} B done`);
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await runRefusals({ rounds: Number(process.env.BENCH_ROUNDS ?? 5) });
  if (process.send) process.send(results);
  else for (const r of results) console.log(r.bytes, r.name, Math.round(r.ops), r.perRefusal.toFixed(2));
}
