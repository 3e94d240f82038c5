import { existsSync } from "node:fs";
import { createTestCallback, sendCallback } from "@taskhook/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisForTests, redisSuite } from "../../../test-support/redis.mjs";
import { type Receiver, startReceiver } from "../scripts/start-receiver.mjs";

// Two receiver processes, each core's processor on node:http with the *built* store (what
// npm users get), one on ioredis and one on node-redis, sharing one redis-server.
const secret = "sk_redis_processes";
// $REDIS_URL, else a redis-server of our own; none skips this file (CI=true fails instead).
const redis = await redisForTests();
let a: Receiver;
let b: Receiver;

beforeAll(async () => {
  if (redis === undefined) return;
  if (!existsSync(new URL("../dist/index.js", import.meta.url))) {
    throw new Error("dist/ is missing: run `pnpm build` first (turbo does it for `pnpm test`).");
  }
  [a, b] = await Promise.all([
    startReceiver({ redisUrl: redis.url, client: "ioredis", secret }),
    startReceiver({ redisUrl: redis.url, client: "redis", secret }),
  ]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.server?.stop();
});

async function post(url: string, callback: { headers: Record<string, string>; body: string }) {
  const response = await fetch(url, { method: "POST", headers: callback.headers, body: callback.body });
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: await response.json() };
}

async function handledCounts(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { handled } of await Promise.all([a.stats(), b.stats()])) {
    for (const [taskId, n] of Object.entries(handled)) counts.set(taskId, (counts.get(taskId) ?? 0) + n);
  }
  return counts;
}

describe("two receiver processes sharing one Redis", redisSuite(redis), () => {
  it("a callback delivered to both is handled by the first and acknowledged as a duplicate by the second", async () => {
    const callback = await createTestCallback({ data: { result: 1 }, secret });
    expect(await post(a.url, callback)).toMatchObject({ status: 200, body: { received: true } });
    expect(await post(b.url, callback)).toMatchObject({ status: 200, body: { received: true, duplicate: true } });
    expect(await post(a.url, callback)).toMatchObject({ status: 200, body: { received: true, duplicate: true } });
    expect((await handledCounts()).get(callback.headers["X-Task-ID"])).toBe(1);
  });

  it("while one instance runs it, the other answers 503 with Retry-After: 1", async () => {
    const callback = await createTestCallback({ data: { delayMs: 400 }, secret });
    const first = post(a.url, callback);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await post(b.url, callback);
    expect(second).toMatchObject({ status: 503, retryAfter: "1", body: { error: { code: "DUPLICATE_IN_FLIGHT" } } });
    expect(await first).toMatchObject({ status: 200, body: { received: true } });
    expect(await post(b.url, callback)).toMatchObject({ status: 200, body: { duplicate: true } });
    expect((await handledCounts()).get(callback.headers["X-Task-ID"])).toBe(1);
  });

  it("a handler that failed on one instance runs again on the other", async () => {
    const callback = await createTestCallback({ data: { fail: "first" }, secret });
    expect(await post(a.url, callback)).toMatchObject({ status: 500, body: { error: { code: "HANDLER_FAILED" } } });
    expect(await post(b.url, callback)).toMatchObject({ status: 200, body: { received: true } });
    expect(await post(a.url, callback)).toMatchObject({ status: 200, body: { duplicate: true } });
    expect((await handledCounts()).get(callback.headers["X-Task-ID"])).toBe(1);
  });

  it("each of 40 callbacks sent to both at once, Beam's way, is handled exactly once", async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const taskIds = Array.from({ length: 40 }, () => crypto.randomUUID());
    const results = await Promise.all(
      taskIds.flatMap((taskId, i) =>
        [a, b].map((receiver) =>
          sendCallback(receiver.url, { data: { i, delayMs: 20 }, secret, taskId, timestamp, responseTimeoutMs: 5_000 }),
        ),
      ),
    );
    expect(results.filter((result) => !result.ok)).toEqual([]);
    const counts = await handledCounts();
    expect(taskIds.map((taskId) => counts.get(taskId))).toEqual(taskIds.map(() => 1));
  });

  // Stops and restarts Redis: only a redis-server these tests started, never one at $REDIS_URL.
  const ownServer = redis?.server;
  it.skipIf(ownServer === undefined)(
    "Redis stopped mid-run: both answer 503 at once; both recover without a restart when Redis returns",
    async () => {
      const server = ownServer!;
      const before = await createTestCallback({ data: { result: "before" }, secret });
      expect(await post(a.url, before)).toMatchObject({ status: 200 });

      await server.stop();
      const down = await createTestCallback({ data: { result: "down" }, secret });
      for (const receiver of [a, b]) {
        const started = Date.now();
        const answer = await post(receiver.url, down);
        expect(answer).toMatchObject({ status: 503, retryAfter: "1", body: { error: { code: "STORE_UNAVAILABLE" } } });
        // Far below Beam's 30 s read timeout, which would lose the callback (it is never retried).
        expect(Date.now() - started).toBeLessThan(5_000);
      }

      await server.start();
      // The clients reconnect on their own (backoff capped at 500 ms); poll as Beam would retry.
      for (const receiver of [a, b]) {
        const deadline = Date.now() + 10_000;
        let answer = await post(receiver.url, down);
        while (answer.status === 503 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          answer = await post(receiver.url, down);
        }
        expect(answer.status).toBe(200);
      }
      const counts = await handledCounts();
      expect(counts.get(down.headers["X-Task-ID"])).toBe(1);

      const after = await createTestCallback({ data: { result: "after" }, secret });
      expect(await post(b.url, after)).toMatchObject({ status: 200, body: { received: true } });
      expect(await post(a.url, after)).toMatchObject({ status: 200, body: { duplicate: true } });
    },
  );
});
