import { fileURLToPath } from "node:url";
import { defineConformanceSuite } from "@taskhook/conformance";
import { afterAll, describe } from "vitest";
import { runtimeTarget } from "../../conformance/runtime-target.js";
import { missingRuntime, runtimeBinary } from "../../runtime.mjs";
import { requireRuntime, startProcess } from "../../smoke.js";

describe.runIf(requireRuntime(missingRuntime("bun")))("Bun", () => {
  const { target, stop } = runtimeTarget(
    {
      name: "fetch (Bun.serve)",
      nonPost: "405",
      // Bun's uWS closes the socket when it parses a request while the one before still awaits.
      closesPipelinedConnections: "Bun.serve closes a connection that pipelines behind an awaited answer",
      // Measured: 2 of 200 chunked requests refused from their headers got EPIPE before the answer, on an idle machine.
      closesAfterUnreadBody: "Bun.serve closes a connection after answering a request whose body was not read",
      readsUploadsAhead:
        "Bun.serve reads an upload ahead of the handler; on a busy machine all 64 MiB arrived before the 413",
    },
    () =>
      startProcess({
        command: runtimeBinary("bun") as string,
        args: [fileURLToPath(new URL("conformance-server.ts", import.meta.url))],
        cwd: fileURLToPath(new URL("..", import.meta.url)),
        env: {},
      }),
  );
  afterAll(stop);
  defineConformanceSuite(target);
});
