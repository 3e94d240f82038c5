import { createTestCallback, type IdempotencyStore } from "@taskhook/core";
import { createCallbackProcessor, DEFAULT_TASK_RECORD_TTL_MS, taskRecordKey } from "@taskhook/core/adapter";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { redisForTests, redisSuite } from "../../../test-support/redis.mjs";
import { redisStore } from "../src/index.js";

// The task-level records core's processor keeps for @taskhook/reconcile, on Redis: written by
// one receiver instance, seen by another and by the reconciler's own store.
const secret = "sk_task_records";
const redis = await redisForTests();
let client: Redis;

beforeAll(() => {
  if (redis !== undefined) client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await client?.quit();
  await redis?.server?.stop();
});

let counter = 0;
const freshTask = () => `task-${process.pid}-${++counter}`;

function receiver(onCallback = vi.fn()) {
  const processor = createCallbackProcessor({
    secret,
    taskRecordTtlMs: DEFAULT_TASK_RECORD_TTL_MS,
    idempotency: redisStore({ client }),
    onCallback,
  });
  return {
    onCallback,
    async deliver(taskId: string) {
      const signed = await createTestCallback({ data: { taskId }, secret, taskId });
      const answer = await processor.process({ method: "POST", headers: signed.headers, body: signed.body });
      return { status: answer.status, body: JSON.parse(answer.body) };
    },
  };
}

describe("task records on Redis", redisSuite(redis), () => {
  it("records a handled task for 24 h, visible to every instance, and lets go of the task claim", async () => {
    const taskId = freshTask();
    expect((await receiver().deliver(taskId)).status).toBe(200);
    expect(await client.get(`taskhook:${taskRecordKey(taskId, "callback")}`)).toBe("done");
    const ttl = await client.pttl(`taskhook:${taskRecordKey(taskId, "callback")}`);
    expect(ttl).toBeGreaterThan(23 * 3_600_000);
    expect(await client.exists(`taskhook:${taskRecordKey(taskId, "reconciled")}`)).toBe(0);
  });

  it("answers a callback for a reconciled task as a duplicate on any instance", async () => {
    const taskId = freshTask();
    const reconciler: IdempotencyStore = redisStore({ client });
    const key = taskRecordKey(taskId, "reconciled");
    expect(await reconciler.begin(key, 60_000)).toBe("new");
    const busy = await receiver().deliver(taskId);
    expect(busy.status).toBe(503);
    await reconciler.complete(key, 3_600_000);
    const late = receiver();
    expect(await late.deliver(taskId)).toEqual({ status: 200, body: { received: true, duplicate: true } });
    expect(late.onCallback).not.toHaveBeenCalled();
  });
});
