// One receiver instance for the tests and the load check: a node:http server on 127.0.0.1
// (port 0) running core's callback processor with the built @taskhook/redis store. Forked
// with an IPC channel; it exits when the channel closes, so it never outlives its owner.
//
// env: REDIS_URL, SECRET, REDIS_CLIENT: the module to import, ioredis or node-redis (redis, or an
// alias such as redis-v4); default ioredis.
// The handler reads its instructions from the callback's data:
//   { delayMs } waits before finishing; { fail: "always" } throws;
//   { fail: "first" } throws the first time any instance runs it for this task (a marker in Redis).
// IPC: { type: "stats" } -> { type: "stats", handled: { [taskId]: count }, statuses: { [status]: count }, cpuMs }.
import { createServer } from "node:http";
import { createCallbackProcessor } from "@taskhook/core/adapter";
import { redisStore } from "@taskhook/redis";

const { REDIS_URL, REDIS_CLIENT = "ioredis", SECRET } = process.env;
if (!REDIS_URL || !SECRET) throw new Error("receiver: REDIS_URL and SECRET are required");

const isIoredis = REDIS_CLIENT.startsWith("ioredis");
const client = await connect(REDIS_CLIENT, REDIS_URL);
const store = redisStore({ client, timeoutMs: 1000 });

const handled = new Map();
const statuses = {};
const processor = createCallbackProcessor({
  secret: SECRET,
  idempotency: store,
  onError: () => {},
  async onCallback(callback) {
    const data = callback.data ?? {};
    if (data.delayMs) await new Promise((resolve) => setTimeout(resolve, data.delayMs));
    if (data.fail === "always") throw new Error("handler failed (asked to)");
    if (data.fail === "first" && (await firstFailure(callback.taskId))) throw new Error("first attempt fails");
    handled.set(callback.taskId, (handled.get(callback.taskId) ?? 0) + 1);
  },
});

const server = createServer(async (req, res) => {
  const answer = await processor.process({ method: req.method, headers: req.headers, body: req });
  statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
  res.writeHead(answer.status, answer.headers).end(answer.body);
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => process.send({ type: "ready", port: server.address().port }));

process.on("message", (message) => {
  if (message?.type === "stats") {
    const { user, system } = process.cpuUsage();
    process.send({ type: "stats", handled: Object.fromEntries(handled), statuses, cpuMs: (user + system) / 1000 });
  }
});
process.on("disconnect", () => process.exit(0));

async function firstFailure(taskId) {
  const key = `loadcheck:failed:${taskId}`;
  const set = isIoredis
    ? await client.set(key, "1", "PX", 600_000, "NX")
    : await client.set(key, "1", { NX: true, PX: 600_000 });
  return set === "OK";
}

// The client settings the README recommends: a command fails at once while Redis is away
// instead of waiting in an offline queue, and reconnects keep being tried in the background.
async function connect(kind, url) {
  if (isIoredis) {
    const { Redis } = await import(kind);
    const redis = new Redis(url, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      commandTimeout: 1000,
      connectTimeout: 1000,
      retryStrategy: (times) => Math.min(times * 50, 500),
    });
    redis.on("error", () => {});
    await new Promise((resolve, reject) => {
      redis.once("ready", resolve);
      redis.once("end", () => reject(new Error("ioredis: connection ended")));
    });
    return redis;
  }
  const { createClient } = await import(kind);
  const redis = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: 1000 }, // node-redis 5 and later
    socket: { connectTimeout: 1000, reconnectStrategy: (retries) => Math.min(retries * 50, 500) },
  });
  redis.on("error", () => {});
  await redis.connect();
  return redis;
}
