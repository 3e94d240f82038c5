import { defineConformanceSuite } from "@taskhook/conformance";
import { afterAll, describe } from "vitest";
import { runtimeTarget } from "../../conformance/runtime-target.js";
import { missingRuntime } from "../../runtime.mjs";
import { requireRuntime } from "../../smoke.js";
import { closesAfterUnreadBody, resetsLargeUploads, startWorker } from "../workerd.mjs";

describe.runIf(requireRuntime(missingRuntime("workerd")))("workerd", () => {
  const target = {
    name: "fetch (workerd)",
    nonPost: "405",
    resetsLargeUploads,
    closesAfterUnreadBody,
  } as const;
  const { target: runtime, stop } = runtimeTarget(target, async () => {
    const worker = await startWorker({ entry: new URL("conformance-worker.ts", import.meta.url) });
    return { url: worker.url.href, stop: worker.stop };
  });
  afterAll(stop);
  defineConformanceSuite(runtime);
});
