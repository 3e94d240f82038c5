import { createCallbackWorker } from "@taskhook/bullmq";
import { connection, queueName, secret } from "./config.js";

// Runs each callback to completion: a throw here retries it with backoff; after the last
// attempt it stays in the failed set, visible (and retryable) in Bull Board.
const worker = createCallbackWorker({
  queue: queueName,
  secret,
  worker: { connection, concurrency: 5 },
  handler: async ({ taskId, status, data }) => {
    console.log(`callback ${taskId} ${status} ${JSON.stringify(data)}`);
  },
});
worker.on("failed", (job, error) => console.error(`job ${job?.name} failed: ${error.message}`));
worker.on("error", (error) => console.error(`worker: ${error.message}`));
await worker.waitUntilReady();
console.log("worker ready");

const close = () => worker.close().then(() => process.exit(0));
process.once("SIGTERM", close);
process.once("SIGINT", close);
