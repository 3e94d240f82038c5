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
  return httpEntries.filter((entry) => entry.requires.every(isInstalled));
}

function startServer(entry, which) {
  return new Promise((resolve, reject) => {
    const child = fork(serverScript, [entry.name, which], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.once("message", (message) => resolve({ child, port: message.port }));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`${entry.name} ${which} server exited ${code}`)));
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
 * One autocannon run. A fresh signature each run keeps the timestamp inside tolerance, and
 * every request has its own X-Task-ID (not covered by Beam's signature), so each is a new
 * callback to the idempotency store rather than a duplicate answered early.
 */
async function load(port, seconds, connections) {
  const body = makeBody(1 * KiB);
  const headers = { ...beamHeaders(body, Math.floor(Date.now() / 1000)) };
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/beam`,
    connections,
    duration: seconds,
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
  return { rps: ok / (result.duration ?? seconds), failed };
}

/**
 * Requests/s of every available adapter route against its framework's bare+floor route.
 * Both servers run at once in their own processes (autocannon runs here); segments alternate
 * A B B A ..., and the ratio is the median of the per-pair ratios.
 */
export async function runHttp({ segments = 4, segmentSeconds = 2.5, warmupSeconds = 0.5, connections = 50 } = {}) {
  const results = [];
  for (const entry of availableEntries()) {
    const bare = await startServer(entry, "bare");
    const adapter = await startServer(entry, "adapter");
    try {
      const samples = { bare: [], adapter: [] };
      const failed = { bare: 0, adapter: 0 };
      await load(bare.port, warmupSeconds, connections);
      await load(adapter.port, warmupSeconds, connections);
      for (let i = 0; i < segments; i++) {
        const order = i % 2 === 0 ? ["bare", "adapter"] : ["adapter", "bare"];
        for (const which of order) {
          const r = await load(which === "bare" ? bare.port : adapter.port, segmentSeconds, connections);
          samples[which].push(r.rps);
          failed[which] += r.failed;
        }
      }
      results.push({
        name: entry.name,
        adapterLabel: entry.adapterLabel,
        bare: median(samples.bare),
        adapter: median(samples.adapter),
        ratio: median(samples.adapter.map((rps, i) => rps / samples.bare[i])),
        failed,
        samples,
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
  for (const r of await runHttp()) console.log(JSON.stringify(r));
}
