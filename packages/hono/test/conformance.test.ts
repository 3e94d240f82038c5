import { getRequestListener } from "@hono/node-server";
import { defineConformanceSuite, startHttpServer } from "@taskhook/conformance";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { taskCallback } from "../src/index.js";

const serve = (app: { fetch: (request: Request) => Response | Promise<Response> }) =>
  startHttpServer(getRequestListener(app.fetch, { overrideGlobalObjects: false }), "/beam");

defineConformanceSuite({
  name: "hono (onCallback)",
  nonPost: "next",
  start: (options) => serve(new Hono().use("/beam", taskCallback(options))),
});

defineConformanceSuite({
  name: "hono (middleware)",
  nonPost: "next",
  mode: "middleware",
  start: ({ onCallback, ...options }) => {
    const app = new Hono().onError((_, c) => c.text("the route failed", 500));
    app.use("/beam", taskCallback(options)).post("/beam", async (c) => {
      const { status, body } = await onCallback(c.var.taskCallback);
      return c.json(body, status as ContentfulStatusCode);
    });
    return serve(app);
  },
});
