import { type CallbackJobData, createCallbackHandoff, createCallbackWorker } from "@taskhook/bullmq";
import { createTestCallback, createVerifier, type TaskCallback } from "@taskhook/core";
import { createCallbackProcessor, DEFAULT_TASK_RECORD_TTL_MS } from "@taskhook/core/adapter";
import { redisStore } from "@taskhook/redis";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it, vi } from "vitest";
import { redisForTests, redisSuite } from "../../../test-support/redis.mjs";
import { createReconciler, type ReconciledCallback } from "../src/index.js";
import { startFakeBeamApi } from "../src/testing/index.js";

// Recovered results take the same path as callbacks when callbacks go through a BullMQ queue
// (@taskhook/bullmq): the reconciler signs each one with the signing key and hands it to the
// same handoff, so the worker verifies it like any other job and the handler runs once.
const secret = "sk_reconcile_bullmq";
const redis = await redisForTests();
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await redis?.server?.stop();
});

/** A recovered result as a callback signed with your key, for handlers that verify (a queue worker). */
async function signed(callback: ReconciledCallback): Promise<TaskCallback> {
  const { taskId, status, data } = callback;
  const { headers, body } = await createTestCallback({ data, secret, taskId, status });
  return createVerifier({ secret }).verify({ headers, body });
}

describe("reconciling into the BullMQ handoff", redisSuite(redis), () => {
  it("queues each missing task once; the worker runs the handler once per task", async () => {
    const url = new URL(redis?.url ?? "redis://127.0.0.1:6379");
    const connection = { host: url.hostname, port: Number(url.port || 6379) };
    const name = `reconcile-${process.pid}`;
    const queue = new Queue<CallbackJobData>(name, { connection: { ...connection, enableOfflineQueue: false } });
    const client = new Redis(redis?.url as string, { maxRetriesPerRequest: 1 });
    const beam = await startFakeBeamApi({ workspaceId: "ws", token: "tok" });
    closers.push(
      () => queue.close(),
      async () => client.quit(),
      () => beam.close(),
    );

    const ids = ["a", "b", "c", "d"].map((s) => `00000000-0000-4000-8000-00000000000${s}`);
    const ago = Date.now() - 30 * 60_000;
    beam.add(
      { id: ids[0] as string, status: "COMPLETE", createdAt: ago, endedAt: ago + 1000, result: { n: 0 } },
      { id: ids[1] as string, status: "COMPLETE", createdAt: ago + 1, endedAt: ago + 1000, result: { n: 1 } },
      { id: ids[2] as string, status: "ERROR", createdAt: ago + 2, endedAt: ago + 1000, result: { error: "x" } },
      { id: ids[3] as string, status: "EXPIRED", createdAt: ago + 3 },
    );

    // The receiver keeps a duplicate store (so task records exist) and hands callbacks to the queue.
    const store = redisStore({ client, prefix: `${name}:` });
    const handoff = createCallbackHandoff({ queue });
    const receiver = createCallbackProcessor({
      secret,
      taskRecordTtlMs: DEFAULT_TASK_RECORD_TTL_MS,
      idempotency: store,
      onCallback: handoff,
    });
    const first = await createTestCallback({ data: { n: 0 }, secret, taskId: ids[0] as string });
    expect((await receiver.process({ method: "POST", headers: first.headers, body: first.body })).status).toBe(200);

    const handled = new Map<string, unknown>();
    const worker = createCallbackWorker({
      queue: name,
      secret,
      worker: { connection },
      handler: (callback) => void handled.set(callback.taskId, callback.data),
    });
    closers.push(() => worker.close());

    const reconciler = createReconciler({
      workspaceId: "ws",
      token: "tok",
      apiUrl: beam.url,
      lookback: "2h",
      idempotency: store,
      deliver: async (callback) => handoff(await signed(callback)),
    });
    expect(await reconciler.run()).toMatchObject({ listed: 4, handled: 1, delivered: 3 });
    await vi.waitFor(() => expect(handled.size).toBe(4), { timeout: 10_000 });
    expect(handled.get(ids[1] as string)).toEqual({ n: 1 });
    expect(handled.get(ids[3] as string)).toBeNull();
    expect(await reconciler.run()).toMatchObject({ handled: 4, delivered: 0 });
    expect(await queue.getJobCountByTypes("completed", "waiting", "active", "delayed")).toBe(4);
  });
});
