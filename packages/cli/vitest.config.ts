import { defineConfig } from "vitest/config";
import { RedisSkipReporter } from "../../test-support/redis.mjs";

// The tests run the built CLI as a user would, so they need `dist` (turbo builds it first).
// The reporter counts the `reconcile --redis` tests skipped for want of Redis.
export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 15_000,
    reporters: ["default", new RedisSkipReporter()],
  },
});
