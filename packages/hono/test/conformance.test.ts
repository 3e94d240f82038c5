import { getRequestListener } from "@hono/node-server";
import { defineConformanceSuite, startHttpServer } from "@taskhook/conformance";
import { Hono } from "hono";
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
  start: ({ onCallback, ...options }) => {
    const app = new Hono().onError((_, c) => c.text("the route failed", 500));
    app.use("/beam", taskCallback(options)).post("/beam", async (c) => {
      await onCallback(c.var.taskCallback);
      return c.json({ ok: true });
    });
    return serve(app);
  },
});
