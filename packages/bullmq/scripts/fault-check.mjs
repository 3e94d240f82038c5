// The fault check (`pnpm --filter @taskhook/bullmq fault-check`): a script, not a test. It runs
// a real redis-server (AOF, fsync on every write), two receiver processes and two worker
// processes, and sends callbacks the way Beam's sender does (signed once; 3 attempts, 0.5 s
// then 1 s apart, on connection errors, 408, 425, 429 and 5xx; a read timeout is never
// retried), picking a receiver at random for each attempt as a load balancer would. During
// the run it SIGKILLs a worker and restarts it, SIGKILLs a receiver and restarts it, and
// SIGKILLs Redis and restarts it. Then it counts how often each callback's handler ran to
// completion, from the workers' own logs.
//
// Options: --callbacks 5000, --rate 60 (callbacks sent per second), --scale 5 (Beam's 30 s
// read timeout and the handoff's 10 s wait for Redis are divided by this), --lock-ms 30000
// (the workers' BullMQ lock and stall-check interval; BullMQ's default, not scaled: a Redis
// restart takes as long as it takes, and a lock shorter than it re-runs the jobs in flight).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createTestCallback, sendCallback } from "@taskhook/core";
import { Queue } from "bullmq";
import { freePort } from "../../../test-support/redis-server.mjs";
import { callbackJobId } from "../dist/index.js";

const { values } = parseArgs({
  // `pnpm fault-check -- --rate 50` passes the "--" on.
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    callbacks: { type: "string", default: "5000" },
    rate: { type: "string", default: "60" },
    scale: { type: "string", default: "5" },
    "lock-ms": { type: "string", default: "30000" },
  },
});
const total = Number(values.callbacks);
const rate = Number(values.rate);
const scale = Number(values.scale);
const readTimeoutMs = 30_000 / scale;
const lockMs = Number(values["lock-ms"]);
const secret = "sk_fault_check";
const forgedCount = 10;
const here = new URL(".", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "taskhook-fault-"));
const logs = [];
const started = Date.now();
const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(" ");
const loadAtStart = load();
const clock = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const note = (text) => console.log(`[${clock()}] ${text}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// --- processes -----------------------------------------------------------------------------
const children = new Set();
// Nothing this script starts may outlive it, however it ends.
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(1));

function startProcess(command, args, env, readyText) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let output = "";
  const ready = new Promise((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      output += chunk;
      if (output.includes(readyText)) resolve();
    });
    child.once("exit", (code, signal) =>
      reject(new Error(`${args.join(" ")} exited (${signal ?? code}): ${output.slice(-400)}`)),
    );
  });
  ready.catch(() => {});
  return { child, ready };
}

async function kill({ child }, signal = "SIGKILL") {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill(signal);
  await exited;
}

const redisPort = await freePort();
const startRedisServer = () =>
  startProcess(
    "redis-server",
    [
      "--port",
      String(redisPort),
      "--bind",
      "127.0.0.1",
      "--dir",
      work,
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--save",
      "",
      "--maxmemory-policy",
      "noeviction",
    ],
    {},
    "Ready to accept connections",
  );
const receiverPorts = [await freePort(), await freePort()];
const startReceiver = (i) =>
  startProcess(
    "node",
    [join(here, "fault-receiver.mjs")],
    { PORT: String(receiverPorts[i]), REDIS_PORT: String(redisPort), SECRET: secret, SCALE: String(scale) },
    "listening",
  );
let generation = 0;
const startWorker = (name) => {
  const log = join(work, `${name}-${++generation}.log`);
  logs.push(log);
  return startProcess(
    "node",
    [join(here, "fault-worker.mjs")],
    {
      REDIS_PORT: String(redisPort),
      SECRET: secret,
      LOG: log,
      SCALE: String(scale),
      LOCK_MS: String(lockMs),
      NAME: `${name}#${generation}`,
    },
    "ready",
  );
};

let redis = startRedisServer();
await redis.ready;
const receivers = [startReceiver(0), startReceiver(1)];
const workers = [startWorker("w1"), startWorker("w2")];
await Promise.all([...receivers, ...workers].map((p) => p.ready));
const queue = new Queue("fault-check", {
  connection: { host: "127.0.0.1", port: redisPort, retryStrategy: () => 200 },
});
queue.on("error", () => {});
note(
  `redis on ${redisPort} (AOF, appendfsync always), receivers on ${receiverPorts.join(" and ")}, two workers (concurrency 50)`,
);

// --- faults, at fixed points of the sending phase -----------------------------------------
const sendSeconds = total / rate;
const faults = [
  [
    0.2,
    async () => {
      note("SIGKILL worker w1");
      await kill(workers[0]);
      await sleep(1000);
      workers[0] = startWorker("w1");
      await workers[0].ready;
      note("worker w1 restarted");
    },
  ],
  [
    0.45,
    async () => {
      note("SIGKILL receiver 2");
      await kill(receivers[1]);
      receivers[1] = startReceiver(1);
      await receivers[1].ready;
      note("receiver 2 restarted");
    },
  ],
  [
    0.7,
    async () => {
      note("SIGKILL redis-server");
      await kill(redis);
      redis = startRedisServer();
      await redis.ready;
      note("redis-server restarted (AOF reloaded)");
    },
  ],
];
const sendStarted = Date.now();
const faultsDone = Promise.all(faults.map(([at, run]) => sleep(at * sendSeconds * 1000).then(run)));

// --- the sender -----------------------------------------------------------------------------
const behaviorOf = (i) => (i % 100 < 5 ? "fail2" : i % 100 === 5 ? "slow" : "ok");
const duplicated = (i) => i % 10 === 7;
const callbacks = [];
const attempts = [];
const pick = () => `http://127.0.0.1:${receiverPorts[Math.floor(Math.random() * 2)]}/beam`;

async function deliver(entry, kind) {
  const result = await sendCallback(pick(), {
    secret,
    taskId: entry.taskId,
    timestamp: entry.timestamp,
    data: { n: entry.n, behavior: entry.behavior },
    responseTimeoutMs: readTimeoutMs,
    // A load balancer: each attempt goes to either receiver.
    fetch: (_url, init) => fetch(pick(), init),
    onAttempt: (attempt) => attempts.push({ ...attempt, endedAt: Date.now() - started }),
  });
  entry.deliveries.push({ kind, ok: result.ok, attempts: result.attempts });
  entry.signature = result.callback.headers["X-Task-Signature"];
}

const sending = [];
for (let n = 0; n < total; n++) {
  const due = sendStarted + (n / rate) * 1000;
  if (due > Date.now()) await sleep(due - Date.now());
  const entry = {
    n,
    taskId: `fault-${String(n).padStart(5, "0")}`,
    behavior: behaviorOf(n),
    timestamp: Math.floor(Date.now() / 1000),
    deliveries: [],
  };
  callbacks.push(entry);
  sending.push(deliver(entry, "first"));
  // The same signed request a second time, a moment later (a replay, or a second sender path).
  if (duplicated(n)) sending.push(sleep(200 + Math.random() * 2000).then(() => deliver(entry, "duplicate")));
}
await Promise.all(sending);
const sentAt = Date.now();
note(`sent ${total} callbacks (${sending.length} deliveries)`);
await faultsDone;

// Jobs written straight into Redis by someone without the key: refused and dead-lettered.
for (let i = 0; i < forgedCount; i++) {
  const forged = await createTestCallback({ secret: "sk_not_the_key", taskId: `forged-${i}`, data: { n: i } });
  await queue.add(
    `forged-${i} COMPLETE`,
    { headers: forged.headers, body: forged.body, bodyEncoding: "utf8" },
    { jobId: `forged-${i}`, attempts: 8 },
  );
}

// --- drain ------------------------------------------------------------------------------------
for (const deadline = Date.now() + 180_000; Date.now() < deadline; ) {
  const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "paused", "wait");
  if (Object.values(counts).every((c) => c === 0)) break;
  await sleep(500);
}
const drainedAt = Date.now();
note("queue drained");
await report();
await queue.close();
await Promise.all([...workers, ...receivers].map((p) => kill(p, "SIGTERM")));
await kill(redis, "SIGTERM");
rmSync(work, { recursive: true, force: true });
process.exit(0);

// --- the report -------------------------------------------------------------------------------
async function report() {
  const runs = new Map();
  const done = new Map();
  for (const file of logs.filter((log) => existsSync(log))) {
    for (const line of readFileSync(file, "utf8").split("\n").filter(Boolean)) {
      const [what, taskId, ...rest] = line.split(" ");
      const map = what === "done" ? done : runs;
      map.set(taskId, [...(map.get(taskId) ?? []), rest.join(" ")]);
    }
  }
  const failed = await queue.getFailed(0, -1);
  const failedIds = new Set(failed.map((job) => job.id));
  const acked = callbacks.filter((c) => c.deliveries.some((d) => d.ok));
  const notAcked = callbacks.filter((c) => !c.deliveries.some((d) => d.ok));
  const count = (list, times) => list.filter((c) => (done.get(c.taskId)?.length ?? 0) === times).length;
  const more = callbacks.filter((c) => (done.get(c.taskId)?.length ?? 0) > 1);
  const neverAcked = acked.filter((c) => !done.has(c.taskId));

  const gaveUp = new Map();
  let gaveUpDeliveries = 0;
  for (const c of callbacks) {
    for (const d of c.deliveries) {
      if (d.ok) continue;
      gaveUpDeliveries++;
      const last = d.attempts.at(-1);
      const why =
        last.outcome === "timeout"
          ? "read timeout (never retried)"
          : last.outcome === "network-error"
            ? `3 attempts, last a connection error (${last.error})`
            : last.status >= 500 || [408, 425, 429].includes(last.status)
              ? `3 attempts, last answered ${last.status} ${codeOf(last.body)}`
              : `answered ${last.status} ${codeOf(last.body)} (final)`;
      gaveUp.set(why, (gaveUp.get(why) ?? 0) + 1);
    }
  }

  const answered = attempts
    .filter((a) => a.outcome === "response")
    .map((a) => a.durationMs)
    .sort((a, b) => a - b);
  const ok = attempts
    .filter((a) => a.outcome === "response" && a.status === 200)
    .map((a) => a.durationMs)
    .sort((a, b) => a - b);
  const q = (list, p) => list[Math.min(list.length - 1, Math.floor(p * list.length))];
  const byStatus = new Map();
  for (const a of attempts) {
    const key = a.outcome === "response" ? `answered ${a.status}` : a.outcome;
    byStatus.set(key, [...(byStatus.get(key) ?? []), a.durationMs]);
  }
  const handledTotal = [...done.values()].reduce((sum, list) => sum + list.length, 0);

  console.log("\n=== fault check: @taskhook/bullmq ===");
  console.log(`machine: load average ${loadAtStart} at the start, ${load()} at the end (1, 5, 15 min)`);
  console.log(
    `callbacks: ${total} (${callbacks.filter((c) => duplicated(c.n)).length} sent twice, ${callbacks.filter((c) => c.behavior === "fail2").length} fail twice, ${callbacks.filter((c) => c.behavior === "slow").length} slower than the ${readTimeoutMs} ms read timeout); deliveries: ${callbacks.reduce((s, c) => s + c.deliveries.length, 0)}; attempts: ${attempts.length}`,
  );
  console.log(
    `timeouts scaled down ${scale}x: Beam's read timeout ${readTimeoutMs} ms, the handoff's wait for Redis ${10_000 / scale} ms (not scaled: Beam's 0.5 s and 1 s retry delays, the jobs' 1 s, 2 s ... backoff); workers' BullMQ lock and stall check ${lockMs} ms`,
  );
  console.log(
    `acknowledged 2xx by a receiver: ${acked.length}; not acknowledged (Beam's sender gave up on every delivery): ${notAcked.length}`,
  );
  console.log("handled to completion:");
  console.log(`  exactly once:   ${count(callbacks, 1)}`);
  console.log(`  more than once: ${more.length}`);
  console.log(`  never, although acknowledged (must be 0): ${neverAcked.length}`);
  console.log(
    `  never, not acknowledged (lost at Beam's sender): ${notAcked.filter((c) => !done.has(c.taskId)).length}`,
  );
  console.log(
    `  of the not acknowledged, handled anyway (stored before the sender gave up): ${notAcked.filter((c) => done.has(c.taskId)).length}`,
  );
  console.log(
    `Beam's sender gave up on ${gaveUpDeliveries} deliveries (${notAcked.length} callbacks had none acknowledged), why:`,
  );
  for (const [why, n] of gaveUp) console.log(`  ${n}  ${why}`);
  console.log(
    `dead-lettered: ${failed.length} (${failed.filter((j) => j.id.startsWith("forged-")).length} of ${forgedCount} forged jobs written without the key, as designed; ${failed.filter((j) => !j.id.startsWith("forged-")).length} real callbacks)`,
  );
  for (const job of failed.slice(0, 1)) console.log(`  ${job.name}: ${job.failedReason}`);
  console.log(
    `receiver answer time, every answered attempt (${answered.length}): p50 ${q(answered, 0.5)} ms, p99 ${q(answered, 0.99)} ms; 200s only (${ok.length}): p50 ${q(ok, 0.5)} ms, p99 ${q(ok, 0.99)} ms`,
  );
  for (const [key, list] of byStatus) {
    list.sort((a, b) => a - b);
    console.log(
      `  ${key}: ${list.length} attempts, p50 ${q(list, 0.5)} ms, p99 ${q(list, 0.99)} ms, max ${list.at(-1)} ms`,
    );
  }
  // When the failures happened, to line them up with the faults above.
  for (const [key] of byStatus) {
    if (key === "answered 200") continue;
    const at = attempts.filter((a) => key === (a.outcome === "response" ? `answered ${a.status}` : a.outcome));
    const times = at.map((a) => a.endedAt / 1000).sort((a, b) => a - b);
    console.log(`  ${key} attempts ended between ${times[0].toFixed(1)} s and ${times.at(-1).toFixed(1)} s`);
  }
  console.log(
    `throughput: ${(acked.length / ((sentAt - sendStarted) / 1000)).toFixed(0)} callbacks/s acknowledged while sending (offered ${rate}/s); ${(handledTotal / ((drainedAt - sendStarted) / 1000)).toFixed(0)} handler completions/s from the first send to the drained queue (${((drainedAt - sendStarted) / 1000).toFixed(1)} s)`,
  );
  for (const c of more)
    console.log(
      `  more than once: ${c.taskId} runs [${runs.get(c.taskId).join("; ")}] done [${done.get(c.taskId).join("; ")}]`,
    );
  for (const c of neverAcked) {
    const job = await queue.getJob(callbackJobId(c.taskId, "COMPLETE", c.signature));
    console.log(
      `  NEVER: ${c.taskId} job ${job ? await job.getState() : "missing"} ${failedIds.has(job?.id) ? job.failedReason : ""}`,
    );
  }
}

function codeOf(body) {
  try {
    return JSON.parse(body).error.code;
  } catch {
    return "";
  }
}
