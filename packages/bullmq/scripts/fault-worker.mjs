// One worker process of the fault check. Each handler run appends a line to LOG with a
// synchronous write, so the record survives SIGKILL: "run <task> <attempt>" when it starts,
// "done <task>" as the handler's last act. What the data asks for: `fail2` throws on its
// first two runs, `slow` takes longer than the sender's (scaled) read timeout.
// Usage: REDIS_PORT=... SECRET=... LOG=... SCALE=... LOCK_MS=... NAME=... node fault-worker.mjs
import { appendFileSync } from "node:fs";
import { createCallbackWorker } from "../dist/index.js";

const scale = Number(process.env.SCALE);
const readTimeoutMs = 30_000 / scale;
const log = (line) => appendFileSync(process.env.LOG, `${line}\n`);

const worker = createCallbackWorker({
  queue: "fault-check",
  secret: process.env.SECRET,
  worker: {
    connection: {
      host: "127.0.0.1",
      port: Number(process.env.REDIS_PORT),
      retryStrategy: (t) => Math.min(50 * t, 500),
    },
    concurrency: 50,
    lockDuration: Number(process.env.LOCK_MS),
    stalledInterval: Number(process.env.LOCK_MS),
  },
  handler: async (callback, job) => {
    const { taskId, data } = callback;
    log(`run ${taskId} ${job.attemptsMade} ${process.env.NAME}`);
    if (data.behavior === "fail2" && job.attemptsMade < 2) throw new Error(`planned failure ${job.attemptsMade + 1}`);
    await new Promise((resolve) => setTimeout(resolve, data.behavior === "slow" ? readTimeoutMs * 1.2 : 5));
    log(`done ${taskId} ${process.env.NAME}`);
  },
});
worker.on("error", () => {}); // reconnect noise while Redis restarts
await worker.waitUntilReady();
process.stdout.write("ready\n");

// Gone with the fault check, even when it is killed: a parent that exits re-parents us.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && process.exit(1), 500).unref();
