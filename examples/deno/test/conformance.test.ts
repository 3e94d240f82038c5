import { fileURLToPath } from "node:url";
import { defineConformanceSuite } from "@taskhook/conformance";
import { afterAll, describe } from "vitest";
import { runtimeTarget } from "../../conformance/runtime-target.js";
import { missingRuntime, runtimeBinary } from "../../runtime.mjs";
import { requireRuntime, startProcess } from "../../smoke.js";

describe.runIf(requireRuntime(missingRuntime("deno")))("Deno", () => {
  const { target, stop } = runtimeTarget(
    {
      name: "fetch (Deno.serve)",
      nonPost: "405",
      keepsConnectionsOpen: "Deno.serve ignores a handler's Connection: close",
      // Measured: 4 to 19 MB of a 48 MB upload sent before the answer on an idle machine, 36 MB under load.
      readsUploadsAhead: "Deno.serve keeps taking an upload whose body the handler cancelled",
    },
    () =>
      startProcess({
        command: runtimeBinary("deno") as string,
        args: ["run", "--allow-env", "--allow-net", fileURLToPath(new URL("conformance-server.ts", import.meta.url))],
        cwd: fileURLToPath(new URL("..", import.meta.url)),
        env: {},
      }),
  );
  afterAll(stop);
  defineConformanceSuite(target);
});
