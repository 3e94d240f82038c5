import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { EdgeVM } from "@edge-runtime/vm";
import { getRequestListener } from "@hono/node-server";
import { defineConformanceSuite, startHttpServer } from "@taskhook/conformance";
import { expect, it } from "vitest";

// The published CJS files (core's Web build, resolved through `exports`) run inside the edge
// runtime, with no Node built-ins; a Node server only carries bytes in and out of it.
const require = createRequire(import.meta.url);
const vm = new EdgeVM();
vm.evaluate(`globalThis.taskhook = {};
  const load = (name, require, factory) => { const module = { exports: {} }; factory(module, module.exports, require); taskhook[name] = module.exports; };
  load("core", undefined, (module, exports, require) => {\n${readFileSync(require.resolve("@taskhook/core/web"), "utf8")}\n});
  load("adapter", undefined, (module, exports, require) => {\n${readFileSync(require.resolve("@taskhook/core/adapter/web"), "utf8")}\n});
  load("fetch", (name) => (name === "@taskhook/core" ? taskhook.core : taskhook.adapter), (module, exports, require) => {\n${readFileSync(require.resolve("@taskhook/fetch"), "utf8")}\n});`);
const edge = vm.context as unknown as typeof globalThis & { taskhook: { fetch: typeof import("../src/index.js") } };

it("runs in the edge runtime's realm, with no Node built-ins", async () => {
  expect(vm.evaluate("typeof process + typeof Buffer + typeof require")).toBe("undefinedundefinedundefined");
  const handle = edge.taskhook.fetch.createCallbackHandler({ secret: "sk_test", onCallback: () => {} });
  const response = await handle(new edge.Request("http://127.0.0.1/", { method: "POST" }));
  expect(response).toBeInstanceOf(edge.Response);
  expect(response.status).toBe(400);
});

function toEdgeRequest(request: Request): Request {
  const reader = request.body?.getReader();
  const body =
    reader &&
    new edge.ReadableStream({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(new edge.Uint8Array(value));
      },
      cancel: (reason) => reader.cancel(reason),
    });
  return new edge.Request(request.url, {
    method: request.method,
    headers: [...request.headers],
    body,
    duplex: "half",
  } as RequestInit);
}

defineConformanceSuite({
  name: "fetch (@edge-runtime/vm)",
  nonPost: "405",
  start: (options) => {
    const handle = edge.taskhook.fetch.createCallbackHandler(options);
    return startHttpServer(
      getRequestListener(
        async (request) => {
          const response = await handle(toEdgeRequest(request));
          return new Response(await response.text(), { status: response.status, headers: [...response.headers] });
        },
        { overrideGlobalObjects: false },
      ),
    );
  },
});
