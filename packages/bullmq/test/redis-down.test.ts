import { createTestCallback } from "@taskhook/core";
import { createCallbackProcessor } from "@taskhook/core/adapter";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisForTests, redisSuite } from "../../../test-support/redis.mjs";
import { createCallbackHandoff } from "../src/index.js";

const secret = "sk_bullmq_down";
const redis = await redisForTests();
const server = redis?.server;

// Stops its own redis-server, so it needs one it started (not a shared $REDIS_URL).
describe("when Redis is unreachable", redisSuite(server === undefined ? undefined : redis), () => {
  let queue: Queue;
  beforeAll(() => {
    queue = new Queue(`down-${process.pid}`, {
      connection: { host: "127.0.0.1", port: server?.port ?? 0, enableOfflineQueue: false },
    });
    queue.on("error", () => {}); // reconnect errors while Redis is down are expected here
  });
  afterAll(async () => {
    await queue.close().catch(() => {});
    await server?.stop();
  });
  const errors: unknown[] = [];
  const receiver = (timeoutMs: number) =>
    createCallbackProcessor({
      secret,
      idempotency: false,
      onCallback: createCallbackHandoff({ queue, timeoutMs }),
      onError: (error) => errors.push(error),
    });
  const request = async (taskId: string) => ({
    method: "POST",
    ...(await createTestCallback({ secret, taskId, data: { result: 1 } })),
  });

  it("answers 503 with Retry-After, so Beam retries, and 200 once Redis is back", async () => {
    const processor = receiver(1000);
    expect((await processor.process(await request("before"))).status).toBe(200);
    await server?.stop();
    const down = await processor.process(await request("during"));
    expect(down.status).toBe(503);
    expect(down.headers["retry-after"]).toBe("1");
    expect(JSON.parse(down.body).error.code).toBe("STORE_UNAVAILABLE");
    expect(errors).toHaveLength(1);

    await server?.start();
    const retry = await request("after");
    let status = 0;
    for (let attempt = 0; attempt < 40 && status !== 200; attempt++) {
      status = (await processor.process(retry)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe(200);
    expect(await queue.getJobCounts("waiting")).toEqual({ waiting: 1 });
  });

  it("rides out a Redis restart shorter than timeoutMs: a slower 200 instead of a 503", async () => {
    const patient = receiver(8000);
    const before = errors.length;
    await server?.stop();
    const answer = patient.process(await request("restart"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server?.start();
    expect((await answer).status).toBe(200);
    expect(errors).toHaveLength(before);
    expect(await queue.getJobCounts("waiting")).toEqual({ waiting: 1 });
  });
});
