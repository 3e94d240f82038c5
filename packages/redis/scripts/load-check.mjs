// Load check for @taskhook/redis (a script, not a test): `pnpm --filter @taskhook/redis load-check`.
// Starts its own redis-server and two receiver processes sharing it (one on ioredis, one on
// node-redis), sends 5,000 callbacks over HTTP with core's sendCallback (Beam's retry policy:
// 3 attempts, 0.5 s then 1 s apart, on network errors, 408, 425, 429 and 5xx), 10% of them
// sent twice (the same signed bytes, to the other instance), the handler failing the first
// attempt of 5%, and checks that every task was handled exactly once.
// Stops by itself: each delivery is bounded by sendCallback's timeouts, the whole run by a deadline.
import { execFileSync } from "node:child_process";
import { setMaxListeners } from "node:events";
import { sendCallback } from "@taskhook/core";
import { startRedis } from "../../../test-support/redis-server.mjs";
import { startReceiver } from "./start-receiver.mjs";

const TASKS = 5_000;
const DUPLICATE_SHARE = 0.1;
const FAILING_SHARE = 0.05;
const CONCURRENCY = 64;
const DEADLINE_MS = 120_000;
const secret = "sk_load_check";

const deadline = AbortSignal.timeout(DEADLINE_MS);
setMaxListeners(0, deadline); // every delivery in flight listens to it
const watchdog = setTimeout(() => {
  console.error(`load check: not done after ${DEADLINE_MS / 1000 + 15} s; giving up.`);
  process.exit(2);
}, DEADLINE_MS + 15_000);

const redis = await startRedis();
const receivers = await Promise.all([
  startReceiver({ redisUrl: redis.url, client: "ioredis", secret }),
  startReceiver({ redisUrl: redis.url, client: "redis", secret }),
]);

// Which tasks are sent twice and which fail once: a shuffled, exact share of each.
const shuffled = (n) => {
  const order = Array.from({ length: TASKS }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return new Set(order.slice(0, n));
};
const twice = shuffled(Math.round(TASKS * DUPLICATE_SHARE));
const failing = shuffled(Math.round(TASKS * FAILING_SHARE));
const tasks = Array.from({ length: TASKS }, (_, i) => ({
  i,
  taskId: crypto.randomUUID(),
  twice: twice.has(i),
  fail: failing.has(i),
}));

const answers = { 200: 0, "200 duplicate": 0 };
let requests = 0;
const durations = [];
let deliveries = 0;
const failedDeliveries = [];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function deliver(task, receiver, data, timestamp) {
  const result = await sendCallback(receiver.url, {
    data,
    secret,
    taskId: task.taskId,
    timestamp,
    responseTimeoutMs: 10_000,
    signal: deadline,
  });
  deliveries++;
  for (const attempt of result.attempts) {
    requests++;
    durations.push(attempt.durationMs);
    const label =
      attempt.outcome !== "response"
        ? attempt.outcome
        : attempt.status === 200 && attempt.body?.includes('"duplicate":true')
          ? "200 duplicate"
          : String(attempt.status);
    answers[label] = (answers[label] ?? 0) + 1;
  }
  if (!result.ok) failedDeliveries.push({ taskId: task.taskId, attempts: result.attempts });
}

async function send(task) {
  // Signed once: a duplicate is the same bytes, as a Beam retry or a replay would be.
  const data = { i: task.i, delayMs: Math.floor(Math.random() * 5), ...(task.fail ? { fail: "first" } : {}) };
  const timestamp = Math.floor(Date.now() / 1000);
  const first = receivers[task.i % 2];
  const other = receivers[(task.i + 1) % 2];
  const sends = [deliver(task, first, data, timestamp)];
  if (task.twice) sends.push(sleep(Math.random() * 20).then(() => deliver(task, other, data, timestamp)));
  await Promise.all(sends);
}

const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < tasks.length) await send(tasks[next++]);
  }),
);
const seconds = (performance.now() - started) / 1000;

const senderCpu = process.cpuUsage();
const counts = new Map();
const statuses = {};
const receiverCpu = [];
for (const stats of await Promise.all(receivers.map((receiver) => receiver.stats()))) {
  receiverCpu.push(stats.cpuMs / 1000);
  for (const [taskId, n] of Object.entries(stats.handled)) counts.set(taskId, (counts.get(taskId) ?? 0) + n);
  for (const [status, n] of Object.entries(stats.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
}
await Promise.all(receivers.map((receiver) => receiver.stop()));
await redis.stop();
clearTimeout(watchdog);

const handledOnce = tasks.filter((task) => counts.get(task.taskId) === 1).length;
const handledTwice = tasks.filter((task) => (counts.get(task.taskId) ?? 0) > 1).length;
const lost = tasks.filter((task) => !counts.has(task.taskId)).length;
const version = execFileSync(process.env.REDIS_SERVER ?? "redis-server", ["--version"], { encoding: "utf8" }).trim();
const answerList = Object.entries(answers)
  .map(([label, n]) => `${label}: ${n}`)
  .join(", ");

console.log(`load check: ${TASKS} callbacks to 2 receiver processes (ioredis, node-redis) sharing one Redis`);
console.log(
  `  ${version.split(" ").slice(0, 3).join(" ")}, Node ${process.version}, ${CONCURRENCY} deliveries at a time`,
);
console.log(`  sent twice: ${twice.size}, handler failing the first attempt: ${failing.size}`);
console.log(`  deliveries: ${deliveries}, HTTP requests: ${requests} (${answerList})`);
durations.sort((x, y) => x - y);
const percentile = (p) => durations[Math.min(durations.length - 1, Math.floor(durations.length * p))];
console.log(`  request latency: p50 ${percentile(0.5)} ms, p99 ${percentile(0.99)} ms, max ${durations.at(-1)} ms`);
console.log(
  `  CPU time: sender ${((senderCpu.user + senderCpu.system) / 1e6).toFixed(1)} s, receivers ${receiverCpu.map((s) => s.toFixed(1)).join(" s + ")} s (wall ${seconds.toFixed(1)} s)`,
);
console.log(`  deliveries that ended without a 2xx: ${failedDeliveries.length}`);
console.log(`handled once = ${handledOnce}`);
console.log(`handled twice = ${handledTwice}`);
console.log(`lost = ${lost}`);
console.log(
  `throughput: ${Math.round(TASKS / seconds)} callbacks/s, ${Math.round(requests / seconds)} HTTP requests/s (${seconds.toFixed(1)} s)`,
);

if (failedDeliveries.length > 0) console.error("first failed delivery:", JSON.stringify(failedDeliveries[0]));
const ok = handledOnce === TASKS && handledTwice === 0 && lost === 0 && failedDeliveries.length === 0;
if (!ok) console.error("load check FAILED");
process.exitCode = ok ? 0 : 1;
