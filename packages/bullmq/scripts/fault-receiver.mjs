// One receiver process of the fault check: node:http + core's pipeline + the BullMQ handoff.
// Usage: PORT=... REDIS_PORT=... SECRET=... SCALE=... node fault-receiver.mjs
import { createServer } from "node:http";
import { createCallbackProcessor } from "@taskhook/core/adapter";
import { Queue } from "bullmq";
import { createCallbackHandoff } from "../dist/index.js";

const queue = new Queue("fault-check", {
  connection: {
    host: "127.0.0.1",
    port: Number(process.env.REDIS_PORT),
    // Fail fast while Redis is away (503, Beam retries), and reconnect quickly once it is back.
    enableOfflineQueue: false,
    retryStrategy: (times) => Math.min(50 * times, 500),
  },
});
queue.on("error", () => {}); // reconnect noise while Redis restarts

const processor = createCallbackProcessor({
  secret: process.env.SECRET,
  idempotency: false,
  // The default 10 s wait for Redis, scaled down like the sender's read timeout.
  onCallback: createCallbackHandoff({ queue, timeoutMs: 10_000 / Number(process.env.SCALE) }),
  onError: () => {}, // counted by the sender from the answers
});

const server = createServer(async (request, response) => {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const answer = await processor.process({
    method: request.method,
    headers: request.headers,
    body: Buffer.concat(chunks),
  });
  response.writeHead(answer.status, answer.headers).end(answer.body);
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => process.stdout.write("listening\n"));

// Gone with the fault check, even when it is killed: a parent that exits re-parents us.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && process.exit(1), 500).unref();
