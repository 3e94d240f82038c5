import type { RequestListener } from "node:http";
import { createRequire } from "node:module";
import { send, startHttpServer } from "@taskhook/conformance";
import type { StandardSchemaV1 } from "@taskhook/core/adapter";
import express5, { type ErrorRequestHandler } from "express";
import express4 from "express4";
import { describe, expect, expectTypeOf, it, onTestFinished } from "vitest";
import { createTestCallback, keepRawBody, type TaskCallback, taskCallback } from "../src/index.js";

const secret = "sk_express_test";
const resultSchema: StandardSchemaV1<unknown, { result: number }> = {
  "~standard": { version: 1, vendor: "test", validate: (value) => ({ value: value as { result: number } }) },
};

async function serve(app: RequestListener) {
  const server = await startHttpServer(app, "/beam");
  onTestFinished(() => server.close());
  return server.url;
}

async function post(url: string, request?: { headers: Record<string, string>; body: string }) {
  const { status, json } = await send(url, { ...(request ?? (await createTestCallback({ data: 1, secret }))) });
  return { status, body: json as Record<string, unknown> & { error?: { code: string; message: string } } };
}

// Express 4's API is the same for everything used here (its types are checked below).
describe.each([
  ["express 5", express5],
  ["express 4", express4 as unknown as typeof express5],
] as const)("%s", (_, express) => {
  it("sets a typed req.taskCallback and lets the route answer", async () => {
    const app = express().post("/beam", taskCallback({ secret }), (req, res) => {
      expectTypeOf(req.taskCallback).toEqualTypeOf<TaskCallback | undefined>();
      res.json({ doubled: (req.taskCallback!.data as { result: number }).result * 2 });
    });
    const request = await createTestCallback({ data: { result: 10 }, secret });
    expect(await post(await serve(app), request)).toEqual({ status: 200, body: { doubled: 20 } });
  });

  it("types req.taskCallback in a handler passed to taskCallback from the schema, narrowed by status", async () => {
    const app = express().post(
      "/beam",
      taskCallback({ secret, schema: resultSchema }, (req, res) => {
        const callback = req.taskCallback;
        expectTypeOf(callback).toEqualTypeOf<TaskCallback<{ result: number }>>();
        if (callback.status !== "COMPLETE") return res.json({ status: callback.status });
        expectTypeOf(callback.data).toEqualTypeOf<{ result: number }>();
        res.json({ doubled: callback.data.result * 2 });
      }),
    );
    const url = await serve(app);
    expect(await post(url, await createTestCallback({ data: { result: 10 }, secret }))).toEqual({
      status: 200,
      body: { doubled: 20 },
    });
    const timedOut = await createTestCallback({ data: {}, secret, status: "TIMEOUT" });
    expect(await post(url, timedOut)).toEqual({ status: 200, body: { status: "TIMEOUT" } });
  });

  it("verifies the bytes keepRawBody kept when express.json() parsed the body first", async () => {
    const app = express()
      .use(express.json({ verify: keepRawBody }))
      .post("/beam", taskCallback({ secret }), (req, res) => {
        res.json({ parsed: req.body, verified: req.taskCallback?.data });
      });
    const request = await createTestCallback({ data: { caption: "café" }, secret });
    expect(await post(await serve(app), request)).toEqual({
      status: 200,
      body: { parsed: { data: { caption: "café" } }, verified: { caption: "café" } },
    });
  });

  it("verifies the Buffer express.raw() leaves on req.body", async () => {
    const app = express()
      .use(express.raw({ type: "*/*" }))
      .post("/beam", taskCallback({ secret, onCallback: () => {} }));
    expect(await post(await serve(app))).toEqual({ status: 200, body: { received: true } });
  });

  it("answers 500 BODY_ALREADY_PARSED at once after express.json() without keepRawBody", async () => {
    const app = express()
      .use(express.json())
      .post("/beam", taskCallback({ secret, onCallback: () => {} }));
    const url = await serve(app);
    const started = performance.now();
    const { status, body } = await post(url);
    const elapsed = performance.now() - started;
    expect({ status, code: body.error?.code }).toEqual({ status: 500, code: "BODY_ALREADY_PARSED" });
    expect(body.error?.message).toMatch(/before express\.json\(\).*verify: keepRawBody/);
    expect(elapsed).toBeLessThan(1000);
  });

  it("runs a handler passed to taskCallback; one that returns without answering gets 200 received", async () => {
    const seen: unknown[] = [];
    const app = express().post(
      "/beam",
      taskCallback({ secret }, async (req) => {
        seen.push(req.taskCallback.data);
      }),
    );
    const request = await createTestCallback({ data: { result: 10 }, secret });
    expect(await post(await serve(app), request)).toEqual({ status: 200, body: { received: true } });
    expect(seen).toEqual([{ result: 10 }]);
  });

  it("answers a handler that rejects 500 HANDLER_FAILED JSON, even with an app error handler", async () => {
    const errors: unknown[] = [];
    let appHandlerRan = false;
    const app = express()
      .post(
        "/beam",
        taskCallback({ secret, onError: (error) => errors.push(error) }, async () => {
          throw new Error("database down");
        }),
      )
      .use(((_error, _req, res, _next) => {
        appHandlerRan = true;
        res.status(500).send("<html>stack</html>");
      }) satisfies ErrorRequestHandler);
    const { status, body } = await post(await serve(app));
    expect({ status, code: body.error?.code }).toEqual({ status: 500, code: "HANDLER_FAILED" });
    expect(JSON.stringify(body)).not.toContain("database down");
    expect({ appHandlerRan, errors: errors.map(String) }).toEqual({
      appHandlerRan: false,
      errors: ["Error: database down"],
    });
  });

  it("treats an error passed to next() as a failure: Express answers 500, the retry runs the route", async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const app = express()
      .post("/beam", taskCallback({ secret, onError: (error) => errors.push(error) }), (_req, res, next) => {
        if (++calls === 1) next(new Error("database down"));
        else res.json({ ok: true });
      })
      .use(((_error, _req, res, _next) => {
        res.status(500).end();
      }) satisfies ErrorRequestHandler);
    const url = await serve(app);
    const request = await createTestCallback({ data: 1, secret });
    expect((await post(url, request)).status).toBe(500);
    expect(await post(url, request)).toEqual({ status: 200, body: { ok: true } });
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
  });
});

it("is published as ESM and CJS through the package's exports", async () => {
  const name = "@taskhook/express";
  const esm = (await import(name)) as typeof import("../src/index.js");
  const cjs = createRequire(import.meta.url)(name) as typeof import("../src/index.js");
  for (const { taskCallback: published, keepRawBody: keep } of [esm, cjs]) {
    const app = express5()
      .use(express5.json({ verify: keep }))
      .post("/beam", published({ secret, onCallback: () => {} }));
    expect((await post(await serve(app))).status).toBe(200);
  }
  // The two builds share where the raw bytes are kept.
  const app = express5()
    .use(express5.json({ verify: cjs.keepRawBody }))
    .post("/beam", esm.taskCallback({ secret, onCallback: () => {} }));
  expect((await post(await serve(app))).status).toBe(200);
});

it("fits Express 4's and Express 5's types", () => {
  const handler = (req: { taskCallback?: TaskCallback }, res: { json(body: unknown): unknown }) => {
    res.json(req.taskCallback?.taskId);
  };
  express4().post("/beam", express4.json({ verify: keepRawBody }), taskCallback({ secret }), handler);
  express5().post("/beam", express5.json({ verify: keepRawBody }), taskCallback({ secret }), handler);
  express4().use("/beam", taskCallback({ secret, onCallback: () => {} }));
  expectTypeOf<import("express4").Request["taskCallback"]>().toEqualTypeOf<TaskCallback | undefined>();
  expectTypeOf<import("express").Request["taskCallback"]>().toEqualTypeOf<TaskCallback | undefined>();
});
