import { sendCallback } from "@taskhook/core";
import { expect, test } from "vitest";
import { startExample } from "../../smoke.js";

test("`pnpm start` logs each verified callback, and only those", { timeout: 30_000 }, async () => {
  const example = await startExample(new URL("..", import.meta.url));
  try {
    const sent = await sendCallback(example.url, { secret: example.secret, taskId: "smoke-1", data: { result: 10 } });
    expect(sent.status).toBe(200);
    expect(await example.waitForLine("smoke-1")).toBe('callback smoke-1 COMPLETE {"result":10}');

    const forged = await sendCallback(example.url, { secret: "sk_someone_else", taskId: "smoke-2", data: {} });
    expect(forged.status).toBe(401);
  } finally {
    await example.stop();
  }
  expect(example.lines.join("\n")).not.toContain("smoke-2");
});
