import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import { serve } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import { createCallbackHandoff } from "@taskhook/bullmq";
import { taskCallback } from "@taskhook/hono";
import { Queue } from "bullmq";
import { Hono } from "hono";
import { connection, queueName, secret } from "./config.js";

// While Redis is away the handoff keeps trying for up to 10 s, then answers 503 so Beam retries.
const queue = new Queue(queueName, { connection });
queue.on("error", (error) => console.error(`redis: ${error.message}`));

const app = new Hono();

// Verified callbacks become one job each; the answer goes out as soon as the job is stored.
// The job id is the duplicate key, so no idempotency store is needed here.
app.post("/beam", taskCallback({ secret, idempotency: false, onCallback: createCallbackHandoff({ queue }) }));

// Bull Board: queued, completed and failed (dead-lettered) callbacks, with a retry button.
// It can retry and delete jobs: keep it off the public internet or put auth in front of it.
const board = new HonoAdapter(serveStatic);
createBullBoard({ queues: [new BullMQAdapter(queue)], serverAdapter: board });
board.setBasePath("/board");
app.route("/board", board.registerPlugin());

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "127.0.0.1";
serve({ fetch: app.fetch, port, hostname }, (info) => {
  console.log(`board on http://${hostname}:${info.port}/board`);
  console.log(`listening on http://${hostname}:${info.port}/beam`);
});
