import { defineConfig } from "vitest/config";
import { RedisSkipReporter } from "../../test-support/redis.mjs";

// The reporter counts the tests skipped for want of Redis (the BullMQ one).
export default defineConfig({
  test: { testTimeout: 30_000, hookTimeout: 30_000, reporters: ["default", new RedisSkipReporter()] },
});
