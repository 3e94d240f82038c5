import { createTestCallback, signCallback, type TaskCallback } from "@taskhook/core";
import { createCallbackProcessor } from "@taskhook/core/adapter";
import { Queue, type Worker } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { redisForTests, redisSuite } from "../../../test-support/redis.mjs";
import {
  type CallbackJobData,
  callbackJobId,
  createCallbackHandoff,
  createCallbackWorker,
  minimumKeepSeconds,
} from "../src/index.js";

const secret = "sk_bullmq_test";
const T = 1_764_230_400;
const now = () => T * 1000;
// $REDIS_URL, else a redis-server of our own; none skips the Redis suite (CI=true fails instead).
const redis = await redisForTests();

describe("callbackJobId", () => {
  it("is one id per task, status and signature, without ':' and never an integer", () => {
    const id = callbackJobId("a:b", "COMPLETE", "ab".repeat(32));
    expect(id).toMatch(/^beam-[0-9a-f]{64}$/);
    expect(callbackJobId("a:b", "COMPLETE", "AB".repeat(32))).toBe(id);
    const others = [
      callbackJobId("a:c", "COMPLETE", "ab".repeat(32)),
      callbackJobId("a:b", "ERROR", "ab".repeat(32)),
      callbackJobId("a:b", "COMPLETE", "cd".repeat(32)),
      // A separator inside a field must not make two keys collide.
      callbackJobId("a:bCOMPLETE", "", "ab".repeat(32)),
    ];
    expect(new Set([id, ...others]).size).toBe(5);
  });

  it("keeps ids for twice the tolerance plus Beam's retry window", () => {
    expect(minimumKeepSeconds()).toBe(180);
    expect(minimumKeepSeconds(5)).toBe(70);
  });
});

describe("handoff and worker on a real Redis", redisSuite(redis), () => {
  const connection =
    redis === undefined ? {} : { host: new URL(redis.url).hostname, port: Number(new URL(redis.url).port || 6379) };
  const closers: Array<() => Promise<unknown>> = [];
  let counter = 0;
  const queueName = () => `test-${process.pid}-${++counter}`;

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await redis?.server?.stop();
  });

  function open(name: string, options: Partial<Parameters<typeof createCallbackHandoff>[0]> = {}) {
    const queue = new Queue<CallbackJobData>(name, { connection: { ...connection, enableOfflineQueue: false } });
    closers.push(() => queue.close());
    const handoff = createCallbackHandoff({ queue, ...options });
    const receiver = () => createCallbackProcessor({ secret, now, idempotency: false, onCallback: handoff });
    return { queue, receiver };
  }

  function work(name: string, handler: (callback: TaskCallback) => unknown): Worker {
    const worker = createCallbackWorker({ queue: name, secret, handler, worker: { connection } });
    closers.push(() => worker.close());
    return worker;
  }

  async function request(data: unknown = { result: 10 }, taskId = "task-1", timestamp = T) {
    const { headers, body } = await createTestCallback({ data, secret, timestamp, taskId });
    return { method: "POST", headers, body };
  }

  it("queues one job per callback, whatever the retries, replays and receivers", async () => {
    const name = queueName();
    const { queue, receiver } = open(name);
    const [a, b] = [receiver(), receiver()];
    const req = await request();
    for (const processor of [a, b, a]) {
      const response = await processor.process(req);
      expect(response.status).toBe(200);
    }
    expect(await queue.count()).toBe(1);
    const [job] = await queue.getWaiting();
    expect(job?.id).toBe(callbackJobId("task-1", "COMPLETE", req.headers["X-Task-Signature"]));
    expect(job?.name).toBe("task-1 COMPLETE");
    expect(job?.data.body).toBe(req.body);
    expect(job?.opts.removeOnComplete).toEqual({ age: 3600 });
    expect(job?.opts.attempts).toBe(8);
    // A different signature (a new signing of the same task) is a new callback.
    expect((await a.process(await request({ result: 11 }))).status).toBe(200);
    expect(await queue.count()).toBe(2);
  });

  it("runs the handler with the typed, schema-checked callback, at the callback's own time", async () => {
    const name = queueName();
    const { receiver } = open(name);
    const seen: Array<{ result: number }> = [];
    const done = new Promise<void>((resolve) => {
      const worker = createCallbackWorker({
        queue: name,
        secret,
        schema: z.object({ result: z.number() }),
        worker: { connection },
        handler: (callback) => {
          if (callback.status === "COMPLETE") seen.push(callback.data);
          resolve();
        },
      });
      closers.push(() => worker.close());
    });
    // Signed at T (long before the worker's real clock): the worker verifies it at T.
    expect((await receiver().process(await request({ result: 42 }))).status).toBe(200);
    await done;
    expect(seen).toEqual([{ result: 42 }]);
  });

  it("retries a failing handler with backoff, then completes", async () => {
    const name = queueName();
    const { queue, receiver } = open(name, { backoff: { type: "exponential", delay: 20 } });
    let runs = 0;
    work(name, () => {
      runs++;
      if (runs <= 2) throw new Error(`transient failure ${runs}`);
    });
    await receiver().process(await request());
    await waitFor(async () => (await queue.getCompletedCount()) === 1);
    expect(runs).toBe(3);
  });

  it("dead-letters after the last attempt with the error, and a retried job runs again", async () => {
    const name = queueName();
    const { queue, receiver } = open(name, { attempts: 2, backoff: 10 });
    let healthy = false;
    work(name, () => {
      if (!healthy) throw new Error("the database is down");
    });
    await receiver().process(await request());
    await waitFor(async () => (await queue.getFailedCount()) === 1);
    const [failed] = await queue.getFailed();
    expect(failed?.failedReason).toBe("the database is down");
    expect(failed?.attemptsMade).toBe(2);
    healthy = true;
    await failed?.retry();
    await waitFor(async () => (await queue.getCompletedCount()) === 1);
  });

  it("hands a job whose worker died mid-handler to another worker (stalled-job recovery)", async () => {
    const name = queueName();
    const { queue, receiver } = open(name);
    const fast = { connection, lockDuration: 1000, stalledInterval: 200 };
    let release = () => {};
    let started = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const crashed = createCallbackWorker({
      queue: name,
      secret,
      worker: fast,
      handler: () => {
        started();
        return new Promise<void>((done) => {
          release = done;
        });
      },
    });
    await receiver().process(await request({ result: 7 }, "task-stalled"));
    await running;
    // What a SIGKILL leaves behind: an active job whose lock nobody renews.
    await crashed.close(true);
    const runs: unknown[] = [];
    const rescuer = createCallbackWorker({ queue: name, secret, worker: fast, handler: (cb) => runs.push(cb.data) });
    closers.push(() => rescuer.close());
    await waitFor(async () => (await queue.getCompletedCount()) === 1);
    expect(runs).toEqual([{ result: 7 }]);
    release();
  });

  it("refuses a job written without the key and fails it at once with the reason", async () => {
    const name = queueName();
    const { queue } = open(name);
    let runs = 0;
    work(name, () => runs++);
    const forged = await createTestCallback({ data: { result: 1 }, secret: "sk_not_the_key", timestamp: T });
    await queue.add("forged", { headers: forged.headers, body: forged.body, bodyEncoding: "utf8" }, { attempts: 5 });
    await queue.add("garbage", { nonsense: true } as unknown as CallbackJobData, { attempts: 5 });
    await waitFor(async () => (await queue.getFailedCount()) === 2);
    const failed = await queue.getFailed();
    const reasons = Object.fromEntries(failed.map((job) => [job.name, job.failedReason]));
    expect(reasons.forged).toMatch(/^taskhook: job refused, not retried: INVALID_SIGNATURE: /);
    expect(reasons.garbage).toMatch(/^taskhook: job refused, not retried: its data is not/);
    for (const job of failed) expect(job.attemptsMade).toBe(1);
    expect(runs).toBe(0);
  });

  it("keeps the body byte for byte (raw UTF-8, not Python's escapes)", async () => {
    const name = queueName();
    const { receiver } = open(name);
    const body = new TextEncoder().encode('{"data": "caf\\u00e9 é"}');
    const headers = {
      "X-Task-ID": "task-bytes",
      "X-Task-Status": "COMPLETE",
      "content-type": "application/json",
      ...(await signCallback({ body, secret, timestamp: T })),
    };
    const seen: unknown[] = [];
    const done = new Promise<void>((resolve) => {
      work(name, (callback) => {
        seen.push(callback.data, [...callback.body]);
        resolve();
      });
    });
    expect((await receiver().process({ method: "POST", headers, body })).status).toBe(200);
    await done;
    expect(seen).toEqual(["caf\u00e9 \u00e9", [...body]]);
  });

  it("refuses a keep time shorter than a duplicate can arrive", () => {
    const queue = {} as Queue;
    expect(() => createCallbackHandoff({ queue, keepCompletedSeconds: 100 })).toThrow(/at least 180/);
    expect(() => createCallbackHandoff({ queue, toleranceSeconds: 5, keepCompletedSeconds: 70 })).not.toThrow();
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the queue");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
