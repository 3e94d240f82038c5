import { createRequire } from "node:module";
import type { StandardSchemaV1 } from "@taskhook/core/adapter";
import { Hono } from "hono";
import { describe, expect, expectTypeOf, it } from "vitest";
import { createTestCallback, taskCallback } from "../src/index.js";

const secret = "sk_hono_test";
const send = async (app: Hono, request: { headers: HeadersInit; body: string }) => {
  const response = await app.request("/beam", { method: "POST", ...request });
  return { status: response.status, body: await response.json() };
};

describe("taskCallback", () => {
  it("types c.var.taskCallback from the schema, narrowed by status", async () => {
    const schema: StandardSchemaV1<unknown, { result: number }> = {
      "~standard": { version: 1, vendor: "test", validate: (value) => ({ value: value as { result: number } }) },
    };
    const app = new Hono();
    app.post("/beam", taskCallback({ secret, schema }), (c) => {
      const callback = c.var.taskCallback;
      if (callback.status !== "COMPLETE") return c.json({ status: callback.status });
      expectTypeOf(callback.data).toEqualTypeOf<{ result: number }>();
      return c.json({ doubled: callback.data.result * 2 });
    });
    expect(await send(app, await createTestCallback({ data: { result: 10 }, secret }))).toEqual({
      status: 200,
      body: { doubled: 20 },
    });
  });

  it("verifies the bytes an earlier middleware read through Hono (a validator)", async () => {
    const app = new Hono();
    app.post(
      "/beam",
      async (c, next) => {
        await c.req.json();
        await next();
      },
      taskCallback({ secret, onCallback: () => {} }),
    );
    expect(await send(app, await createTestCallback({ data: 1, secret }))).toEqual({
      status: 200,
      body: { received: true },
    });
  });

  it("answers 500 BODY_ALREADY_PARSED when the raw request was consumed before it", async () => {
    const app = new Hono();
    app.post(
      "/beam",
      async (c, next) => {
        await c.req.raw.json();
        await next();
      },
      taskCallback({ secret, onCallback: () => {} }),
    );
    const { status, body } = await send(app, await createTestCallback({ data: 1, secret }));
    expect({ status, code: body.error.code }).toEqual({ status: 500, code: "BODY_ALREADY_PARSED" });
  });

  it("is published as ESM and CJS through the package's exports", async () => {
    const name = "@taskhook/hono";
    const esm = (await import(name)) as typeof import("../src/index.js");
    const cjs = createRequire(import.meta.url)(name) as typeof import("../src/index.js");
    for (const { taskCallback: published } of [esm, cjs]) {
      const app = new Hono().post("/beam", published({ secret, onCallback: () => {} }));
      expect((await send(app, await createTestCallback({ data: 1, secret }))).status).toBe(200);
    }
  });
});
