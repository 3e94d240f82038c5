import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

type Index = typeof import("../src/index.js");
type Testing = typeof import("../src/testing/index.js");

// What npm users get: the built files, resolved through the package's `exports`.
const require = createRequire(import.meta.url);

describe("the published build", () => {
  it("exports the reconciler, the API client and the fake from ESM and CommonJS", async () => {
    // Named through a variable so the type check does not need dist; the types come from src.
    const name = "@taskhook/reconcile";
    const esm = (await import(name)) as Index;
    const cjs = require(name) as Index;
    for (const module of [esm, cjs]) {
      expect(typeof module.createReconciler).toBe("function");
      expect(typeof module.createBeamTaskApi).toBe("function");
      expect(module.parseDuration("1h30m", "x")).toBe(5_400_000);
    }
    const testing = (await import(`${name}/testing`)) as Testing;
    const beam = await testing.startFakeBeamApi({ workspaceId: "ws", token: "tok" });
    try {
      beam.add({ id: "t-1", status: "EXPIRED", createdAt: Date.now() - 3_600_000 });
      const delivered: string[] = [];
      const reconciler = esm.createReconciler({
        workspaceId: "ws",
        token: "tok",
        apiUrl: beam.url,
        lookback: "2h",
        idempotency: false,
        deliver: (callback) => void delivered.push(callback.taskId),
      });
      expect(await reconciler.run()).toMatchObject({ delivered: 1 });
      expect(delivered).toEqual(["t-1"]);
    } finally {
      await beam.close();
    }
  });
});
