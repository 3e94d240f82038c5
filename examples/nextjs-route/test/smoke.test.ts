import { defineSmokeTest } from "../../smoke.js";

// `next build` loads the route, so the key is set for the build too; then `next start` serves it.
defineSmokeTest(import.meta.url, {
  build: "build:app",
  ready: { text: "- Local:", path: "/api/beam" },
  startTimeoutMs: 180_000,
});
