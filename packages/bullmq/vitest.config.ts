import { defineConfig } from "vitest/config";

// Each file starts its own redis-server; running them one after the other keeps the load
// on a small CI machine predictable.
export default defineConfig({
  test: { fileParallelism: false, testTimeout: 20_000, hookTimeout: 30_000 },
});
