import { defineConfig } from "vitest/config";

// Source tests run twice, against the Web Crypto seam and against the node:crypto seam,
// exactly as the two published builds differ. The dist tests run once, on the built files.
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "web",
          exclude: ["test/dist.test.ts", "**/node_modules/**"],
          env: { TASKHOOK_SEAM: "web-crypto" },
        },
      },
      {
        extends: true,
        test: {
          name: "node",
          exclude: ["test/dist.test.ts", "**/node_modules/**"],
          env: { TASKHOOK_SEAM: "node-crypto" },
        },
        resolve: { alias: [{ find: /^(.*)\/crypto\/web\.js$/, replacement: "$1/crypto/node.ts" }] },
      },
      // Spawns Node processes: slow on a loaded 2-core machine, so a generous timeout.
      { extends: true, test: { name: "dist", include: ["test/dist.test.ts"], testTimeout: 60_000 } },
    ],
  },
});
