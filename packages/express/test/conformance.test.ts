import { defineConformanceSuite, type StartOptions, startHttpServer } from "@taskhook/conformance";
import express5, { type ErrorRequestHandler } from "express";
import express4 from "express4";
import { TaskCallbackError, taskCallback } from "../src/index.js";

// Express 4's API is the same for everything used here; its own types are checked in express.test.ts.
for (const [version, express] of [
  ["express 5", express5],
  ["express 4", express4 as unknown as typeof express5],
] as const) {
  defineConformanceSuite({
    name: `${version} (onCallback)`,
    nonPost: "next",
    ownsConnection: true,
    start: (options) => startHttpServer(express().post("/beam", taskCallback(options)), "/beam"),
  });

  // The route passed to taskCallback: no error handler, so a route that throws is answered by taskhook.
  defineConformanceSuite({
    name: `${version} (handler)`,
    nonPost: "next",
    ownsConnection: true,
    mode: "middleware",
    start: ({ onCallback, ...options }: StartOptions) =>
      startHttpServer(
        express().post(
          "/beam",
          taskCallback(options, async (req, res) => {
            const { status, body } = await onCallback(req.taskCallback);
            res.status(status).json(body);
          }),
        ),
        "/beam",
      ),
  });
}

// A route after the middleware fails through Express's error handlers, as in any Express app;
// this one answers like taskhook does.
const errorHandler: ErrorRequestHandler = (_error, _req, res, _next) => {
  res.status(500).json(new TaskCallbackError("HANDLER_FAILED", "The route failed."));
};

defineConformanceSuite({
  name: "express 5 (route after the middleware)",
  nonPost: "next",
  ownsConnection: true,
  mode: "middleware",
  start: ({ onCallback, ...options }: StartOptions) =>
    startHttpServer(
      express5()
        .post("/beam", taskCallback(options), (req, res, next) => {
          onCallback(req.taskCallback!).then(({ status, body }) => res.status(status).json(body), next);
        })
        .use(errorHandler),
      "/beam",
    ),
});
