import { defineConfig } from "vitest/config";

// The tests run the built CLI as a user would, so they need `dist` (turbo builds it first).
export default defineConfig({
  test: { globalSetup: ["test/global-setup.ts"], testTimeout: 15_000 },
});
