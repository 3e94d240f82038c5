import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { beamHeaders, KiB, makeBody } from "./fixtures.js";
import { httpEntries } from "./http-entries.js";
import { median, progress } from "./measure.js";
import { isInstalled } from "./variants.js";

const serverScript = fileURLToPath(new URL("./http-server.js", import.meta.url));

/** Which entries can run here: those whose packages are installed in bench/. */
export function availableEntries() {
  // BENCH_HTTP=fetch,hono runs only those pairs (to iterate on one adapter).
  const only = process.env.BENCH_HTTP?.split(",");
  return httpEntries.filter((e) => e.requires.every(isInstalled) && (only === undefined || only.includes(e.name)));
}

function startServer(entry, which) {
  return new Promise((resolve, reject) => {
    const child = fork(serverScript, [entry.name, which], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.once("message", (message) => resolve({ child, port: message.port }));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`${entry.name} ${which} server exited ${code}`)));
  });
}

/** The server process's CPU time so far, in microseconds: `{ user, system }`. */
function serverCpu(server) {
  return new Promise((resolve) => {
    const onMessage = (message) => {
      if (message?.cpu === undefined) return;
      server.child.off("message", onMessage);
      resolve(message.cpu);
    };
    server.child.on("message", onMessage);
    server.child.send("cpu");
  });
}

function stopServer(server) {
  return new Promise((resolve) => {
    server.child.removeAllListeners("exit");
    server.child.once("exit", () => resolve());
    server.child.send("close");
    setTimeout(() => server.child.kill(), 3000).unref();
  });
}

let sent = 0;

/**
 * One autocannon run of `amount` requests. A fresh signature each run keeps the timestamp
 * inside tolerance, and every request has its own X-Task-ID (not covered by Beam's signature),
 * so each is a new callback to the idempotency store rather than a duplicate answered early.
 */
async function load(port, amount, connections) {
  const body = makeBody(1 * KiB);
  const headers = { ...beamHeaders(body, Math.floor(Date.now() / 1000)) };
  // Timed here: autocannon's own `duration` is whole seconds. It notices that `amount` was
  // reached only when it samples, so it samples every 10 ms instead of every second.
  const started = performance.now();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/beam`,
    connections,
    amount,
    sampleInt: 10,
    requests: [
      {
        method: "POST",
        path: "/beam",
        body,
        setupRequest(request) {
          request.headers = { ...headers, "x-task-id": `bench-${sent++}` };
          return request;
        },
      },
    ],
  });
  const ok = result["2xx"];
  const failed = result.non2xx + result.errors + result.timeouts;
  const seconds = (performance.now() - started) / 1000;
  return { rps: ok / seconds, failed, answered: ok + result.non2xx };
}

/** One load segment on `server`: its req/s and the server's CPU microseconds per answered request. */
async function segment(server, amount, connections) {
  const before = await serverCpu(server);
  const r = await load(server.port, amount, connections);
  const after = await serverCpu(server);
  const per = (us) => (r.answered > 0 ? us / r.answered : Number.NaN);
  const user = per(after.user - before.user);
  return { ...r, cpuPerRequest: user + per(after.system - before.system), userPerRequest: user };
}

/**
 * Requests/s of every available adapter route against its framework's bare+floor route, and
 * the server process's CPU time per request. Both servers run at once in their own processes
 * (autocannon runs here); segments alternate A B B A ..., the ratio is the median of the
 * per-pair ratios and the added CPU the median of the per-pair differences.
 *
 * Segments are counted in requests, not seconds: every request is a new callback, and the
 * default memory store keeps each for its TTL (200,000 at most, then 503 STORE_UNAVAILABLE),
 * which timed segments at 20,000 req/s filled within one pair. Warm-up plus segments stay
 * under that cap.
 */
export async function runHttp({
  segments = 4,
  segmentRequests = 40_000,
  warmupRequests = 5_000,
  connections = 50,
} = {}) {
  if (warmupRequests + segments * segmentRequests > 190_000)
    throw new Error("runHttp: warm-up plus segments must stay under the default memory store's 200,000 records");
  const results = [];
  for (const entry of availableEntries()) {
    const bare = await startServer(entry, "bare");
    const adapter = await startServer(entry, "adapter");
    try {
      const samples = { bare: [], adapter: [] };
      const cpu = { bare: [], adapter: [] };
      const user = { bare: [], adapter: [] };
      const failed = { bare: 0, adapter: 0 };
      await load(bare.port, warmupRequests, connections);
      await load(adapter.port, warmupRequests, connections);
      for (let i = 0; i < segments; i++) {
        const order = i % 2 === 0 ? ["bare", "adapter"] : ["adapter", "bare"];
        for (const which of order) {
          const r = await segment(which === "bare" ? bare : adapter, segmentRequests, connections);
          samples[which].push(r.rps);
          cpu[which].push(r.cpuPerRequest);
          user[which].push(r.userPerRequest);
          failed[which] += r.failed;
        }
      }
      results.push({
        name: entry.name,
        adapterLabel: entry.adapterLabel,
        bare: median(samples.bare),
        adapter: median(samples.adapter),
        ratio: median(samples.adapter.map((rps, i) => rps / samples.bare[i])),
        cpuBare: median(cpu.bare),
        cpuAdapter: median(cpu.adapter),
        cpuAdded: median(cpu.adapter.map((us, i) => us - cpu.bare[i])),
        // The user-mode part alone: the JavaScript and what it calls, without the kernel's socket work.
        userAdded: median(user.adapter.map((us, i) => us - user.bare[i])),
        failed,
        samples,
        cpu,
      });
      progress(`http ${entry.name} done`);
    } finally {
      await stopServer(bare);
      await stopServer(adapter);
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.env.BENCH_QUICK === "1" ? { segments: 2, segmentRequests: 10_000 } : {};
  for (const r of await runHttp(quick)) {
    const { samples, cpu, ...summary } = r;
    console.log(JSON.stringify(summary));
  }
}
