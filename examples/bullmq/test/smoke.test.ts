import { sendCallback } from "@taskhook/core";
import { afterAll, expect, test } from "vitest";
import { type RedisServer, startRedis } from "../../../packages/redis/scripts/redis-server.mjs";
import { defineSmokeTest, startExample } from "../../smoke.js";

// The example needs Redis: REDIS_URL if set, else a throwaway redis-server; without one the
// test is skipped with a notice outside CI and fails in CI.
let redis: RedisServer | undefined;
if (!process.env.REDIS_URL) {
  try {
    redis = await startRedis();
    process.env.REDIS_URL = redis.url;
  } catch (error) {
    if (process.env.CI === "true") throw error;
    console.warn(`example-bullmq: skipping the smoke test, no redis-server (${(error as Error).message}).`);
  }
}
afterAll(() => redis?.stop());

if (process.env.REDIS_URL) {
  defineSmokeTest(import.meta.url);

  test("Bull Board on the receiver lists the completed callback", { timeout: 30_000 }, async () => {
    const example = await startExample(new URL("..", import.meta.url));
    try {
      const sent = await sendCallback(example.url, { secret: example.secret, taskId: "board-1", data: { n: 1 } });
      expect(sent.status).toBe(200);
      await example.waitForLine("callback board-1 COMPLETE");
      const board = new URL("/board", example.url);
      const page = await fetch(board);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("<html");
      const api = await fetch(new URL("/board/api/queues?activeQueue=beam-callbacks&status=completed", example.url));
      const { queues } = (await api.json()) as { queues: Array<{ name: string; jobs: Array<{ name: string }> }> };
      const queue = queues.find((q) => q.name === "beam-callbacks");
      expect(queue?.jobs.map((job) => job.name)).toContain("board-1 COMPLETE");
    } finally {
      await example.stop();
    }
  });
} else {
  test.skip("needs Redis (REDIS_URL or redis-server on PATH)", () => {});
}
