// node src/profile.js <entry> [bare|adapter] [seconds]: one HTTP server under load with
// --cpu-prof, then its top frames by self time. The .cpuprofile stays in bench/profiles/ for
// Chrome DevTools or speedscope.
import { fork } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { beamHeaders, KiB, makeBody } from "./fixtures.js";

const [name = "fetch", which = "adapter", seconds = "8"] = process.argv.slice(2);
const dir = fileURLToPath(new URL(`../profiles/${name}-${which}-${Date.now()}/`, import.meta.url));
mkdirSync(dir, { recursive: true });
const server = fork(fileURLToPath(new URL("./http-server.js", import.meta.url)), [name, which], {
  execArgv: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
const { port } = await new Promise((resolve) => server.once("message", resolve));
const body = makeBody(1 * KiB);
const headers = beamHeaders(body, Math.floor(Date.now() / 1000));
let sent = 0;
const result = await autocannon({
  url: `http://127.0.0.1:${port}/beam`,
  connections: 50,
  duration: Number(seconds),
  requests: [
    {
      method: "POST",
      body,
      setupRequest: (request) => ({ ...request, headers: { ...headers, "x-task-id": `profile-${sent++}` } }),
    },
  ],
});
await new Promise((resolve) => {
  server.once("exit", resolve);
  server.send("close");
});
console.log(`${name} ${which}: ${result["2xx"]} 2xx, ${result.non2xx} other, ${result.errors} errors`);

const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
const profile = JSON.parse(readFileSync(`${dir}${file}`, "utf8"));
const self = new Map();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const dt = profile.timeDeltas;
const hits = new Map();
for (let i = 0; i < profile.samples.length; i++)
  hits.set(profile.samples[i], (hits.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
let total = 0;
for (const [id, time] of hits) {
  const { callFrame: f } = byId.get(id);
  const where = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/packages\//, "")}:${f.lineNumber + 1}`;
  if (f.functionName !== "(idle)") total += time;
  self.set(where, (self.get(where) ?? 0) + time);
}
const top = [...self]
  .filter(([k]) => !k.startsWith("(idle)"))
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(process.env.TOP ?? 25));
console.log(`busy ${(total / 1000).toFixed(0)} ms, ${(total / result["2xx"]) | 0} µs per 2xx`);
for (const [where, time] of top) console.log(`${((100 * time) / total).toFixed(1).padStart(5)}%  ${where}`);

// Inclusive time of taskhook's own functions (callees such as HMAC and JSON.parse included),
// counting each sample once under its outermost taskhook frame.
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map();
for (const [id, time] of hits) {
  let outer;
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const f = byId.get(at).callFrame;
    if (/\/packages\/[^/]+\/dist\//.test(f.url))
      outer = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/packages\//, "")}`;
  }
  if (outer !== undefined) inclusive.set(outer, (inclusive.get(outer) ?? 0) + time);
}
const ours = [...inclusive.values()].reduce((a, b) => a + b, 0);
console.log(
  `taskhook frames (inclusive): ${((100 * ours) / total).toFixed(1)}% of busy, ${(ours / result["2xx"]).toFixed(1)} µs per 2xx`,
);
for (const [where, time] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 8))
  console.log(`${((100 * time) / total).toFixed(1).padStart(5)}%  ${where}`);
console.log(`profile: ${dir}${file}`);
