import { defineConfig } from "vitest/config";

// Every test runs twice: against the Web Crypto seam and against the node:crypto seam,
// exactly as the two published builds differ.
export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: "web", env: { TASKHOOK_SEAM: "web-crypto" } } },
      {
        extends: true,
        test: { name: "node", env: { TASKHOOK_SEAM: "node-crypto" } },
        resolve: { alias: [{ find: /^(.*)\/crypto\/web\.js$/, replacement: "$1/crypto/node.ts" }] },
      },
    ],
  },
});
