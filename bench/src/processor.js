// node src/processor.js: server CPU per 1 KiB callback without HTTP, interleaved in one
// process: the floor, the Node entry's verify, and the processor without and with a duplicate
// store. The differences are what taskhook adds per request before any framework cost.
import { Readable } from "node:stream";
import { createVerifier, memoryStore } from "@taskhook/core";
import { createCallbackProcessor } from "@taskhook/core/adapter";
import { beamHeaders, KiB, makeBody, SECRET, TIMESTAMP } from "./fixtures.js";
import { median } from "./measure.js";
import { coreOptions, createFloor } from "./variants.js";

const body = makeBody(1 * KiB);
const headers = beamHeaders(body, TIMESTAMP);
const floor = createFloor(SECRET);
const verifier = createVerifier(coreOptions);
const onCallback = () => {};
const processors = {
  none: createCallbackProcessor({ ...coreOptions, onCallback, idempotency: false }),
  memory: createCallbackProcessor({ ...coreOptions, onCallback }),
  // A cap no run reaches: the store's own cost without its eviction at the cap.
  uncapped: createCallbackProcessor({ ...coreOptions, onCallback, idempotency: memoryStore({ maxEntries: 1e8 }) }),
};
let sent = 0;
// Each callback its own task id, as in the HTTP bench, so the store sees a new key each time.
const fresh = () => ({ method: "POST", headers: { ...headers, "x-task-id": `p-${sent++}` }, body });
// The body as Node servers hand it over: the request stream, one chunk, then its end.
const streamed = () => {
  const request = new Readable({ read() {} });
  request.push(body);
  request.push(null);
  return { headers: { ...headers, "x-task-id": `p-${sent++}`, "content-length": String(body.length) }, body: request };
};
const variants = {
  "floor (node:crypto + JSON.parse)": () =>
    floor.verify(body, headers["x-task-timestamp"], headers["x-task-signature"]),
  "Node entry verify": () => verifier.verify({ headers, body }),
  "processor, no store": () => processors.none.process(fresh()),
  "processor, memoryStore (default)": () => processors.memory.process(fresh()),
  "processor, memoryStore without reaching its cap": () => processors.uncapped.process(fresh()),
  "processor, memoryStore, body a Node stream": () => processors.memory.process(streamed()),
  "Node stream alone (built, then read by for await)": async () => {
    for await (const _ of streamed().body);
  },
};

/** CPU microseconds per call of `run`, over `ms` milliseconds. */
async function cpuPerCall(run, ms) {
  const start = process.cpuUsage();
  const until = performance.now() + ms;
  let calls = 0;
  while (performance.now() < until) {
    const result = run();
    if (result instanceof Promise) await result;
    calls++;
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

const rounds = Number(process.env.BENCH_ROUNDS ?? 9);
const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(variants)) samples[name].push(await cpuPerCall(run, 150));
}
const floorName = Object.keys(variants)[0];
console.log("| variant | CPU µs per call | minus the floor |\n| --- | ---: | ---: |");
for (const name of Object.keys(variants)) {
  const added = median(samples[name].map((us, i) => us - samples[floorName][i]));
  console.log(`| ${name} | ${median(samples[name]).toFixed(2)} | ${added >= 0 ? "+" : ""}${added.toFixed(2)} |`);
}
