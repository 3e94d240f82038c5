import { getRequestListener } from "@hono/node-server";
import { defineConformanceSuite, startHttpServer } from "@taskhook/conformance";
import { createCallbackHandler } from "../src/index.js";

// Node runs the handler through @hono/node-server, which hands it a streaming Web Request.
defineConformanceSuite({
  name: "fetch (node)",
  nonPost: "405",
  start: (options) =>
    startHttpServer(getRequestListener(createCallbackHandler(options), { overrideGlobalObjects: false })),
});
