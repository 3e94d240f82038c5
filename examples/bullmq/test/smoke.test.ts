import { sendCallback } from "@taskhook/core";
import { afterAll, expect, test } from "vitest";
import { redisForTests } from "../../../test-support/redis.mjs";
import { defineSmokeTest, startExample } from "../../smoke.js";

// The example needs Redis: $REDIS_URL, else a redis-server of our own; without one the test
// is skipped outside CI (CI=true fails instead).
const redis = await redisForTests();
if (redis !== undefined) process.env.REDIS_URL = redis.url;
afterAll(() => redis?.server?.stop());

if (redis !== undefined) {
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
  test.skip("needs Redis: install redis-server or set REDIS_URL", () => {});
}
