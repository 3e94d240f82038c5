import { defineConfig } from "vitest/config";
import { RedisSkipReporter } from "../../test-support/redis.mjs";

// Each file starts its own redis-server; running them one after the other keeps the load
// on a small CI machine predictable. The reporter counts the tests skipped for want of Redis.
export default defineConfig({
  test: {
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    reporters: ["default", new RedisSkipReporter()],
  },
});
