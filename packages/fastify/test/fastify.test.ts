import { createRequire } from "node:module";
import { type SendRequest, send } from "@taskhook/conformance";
import type { StandardSchemaV1 } from "@taskhook/core/adapter";
import Fastify, { type FastifyInstance } from "fastify";
import { describe, expect, expectTypeOf, it, onTestFinished } from "vitest";
import { createTaskCallbackPlugin, createTestCallback, type TaskCallback, taskCallback } from "../src/index.js";

const secret = "sk_fastify_test";
const resultSchema: StandardSchemaV1<unknown, { result: number }> = {
  "~standard": { version: 1, vendor: "test", validate: (value) => ({ value: value as { result: number } }) },
};

async function listen(app: FastifyInstance) {
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  onTestFinished(() => app.close());
  return address;
}

async function post(url: string, request?: SendRequest) {
  const { status, json, headers } = await send(url, request ?? (await createTestCallback({ data: 1, secret })));
  return { status, body: json, headers };
}

describe("taskCallback", () => {
  it("runs the handler with a typed request.taskCallback and sends its answer", async () => {
    const app = Fastify();
    await app.register(taskCallback, {
      path: "/beam",
      secret,
      handler: async (request) => {
        expectTypeOf(request.taskCallback).toEqualTypeOf<TaskCallback>();
        return { doubled: (request.taskCallback.data as { result: number }).result * 2 };
      },
    });
    const request = await createTestCallback({ data: { result: 10 }, secret });
    expect(await post(`${await listen(app)}/beam`, request)).toMatchObject({ status: 200, body: { doubled: 20 } });
  });

  it("createTaskCallbackPlugin types request.taskCallback from the schema, narrowed by status", async () => {
    const app = Fastify();
    await app.register(
      createTaskCallbackPlugin({
        path: "/beam",
        secret,
        schema: resultSchema,
        handler: async (request) => {
          const callback = request.taskCallback;
          if (callback.status !== "COMPLETE") return { status: callback.status };
          expectTypeOf(callback.data).toEqualTypeOf<{ result: number }>();
          return { doubled: callback.data.result * 2 };
        },
      }),
      { prefix: "/hooks" },
    );
    const url = `${await listen(app)}/hooks/beam`;
    const request = await createTestCallback({ data: { result: 10 }, secret });
    expect(await post(url, request)).toMatchObject({ status: 200, body: { doubled: 20 } });
    const failed = await createTestCallback({ data: { error: "boom" }, secret, status: "ERROR" });
    expect(await post(url, failed)).toMatchObject({ status: 200, body: { status: "ERROR" } });
  });

  it("leaves the rest of the app parsing bodies exactly as before", async () => {
    const requests: SendRequest[] = [
      { headers: { "content-type": "application/json" }, body: '{"a": [1, 2]}' },
      { headers: { "content-type": "application/json" }, body: '{"a": ' },
      { headers: { "content-type": "application/json" }, body: `{"a": "${"x".repeat(2048)}"}` },
      { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "a=1" },
      { headers: { "content-type": "text/plain" }, body: "hello" },
    ];
    const answers = async (withPlugin: boolean) => {
      const app = Fastify({ bodyLimit: 1024 });
      app.post("/other", async (request) => ({ body: request.body, taskCallback: request.taskCallback ?? "none" }));
      if (withPlugin) await app.register(taskCallback, { path: "/beam", secret, onCallback: () => {} });
      const url = `${await listen(app)}/other`;
      const results = [];
      for (const request of requests) results.push(await post(url, request));
      return results.map(({ status, body }) => ({ status, body }));
    };
    const before = await answers(false);
    expect(before.map((answer) => answer.status)).toEqual([200, 400, 413, 415, 200]);
    expect(before[0]?.body).toEqual({ body: { a: [1, 2] }, taskCallback: "none" });
    expect(await answers(true)).toEqual(before);
  });

  it("an explicit maxBodyBytes is the route's limit, even above Fastify's bodyLimit", async () => {
    const app = Fastify({ bodyLimit: 1024 });
    await app.register(taskCallback, { path: "/beam", secret, maxBodyBytes: 4096, onCallback: () => {} });
    const url = `${await listen(app)}/beam`;
    expect((await post(url, await createTestCallback({ data: "x".repeat(3000), secret }))).status).toBe(200);
  });

  it("refuses to register without handler or onCallback (it would acknowledge callbacks nobody sees)", async () => {
    await expect(Fastify().register(taskCallback, { path: "/beam", secret }).ready()).rejects.toThrow(/handler/);
  });

  it("takes 16 MiB by default whatever the app's bodyLimit: a 2 MiB callback under a 1 KiB bodyLimit -> 200", async () => {
    const app = Fastify({ bodyLimit: 1024 });
    await app.register(taskCallback, { path: "/beam", secret, onCallback: () => {} });
    const url = `${await listen(app)}/beam`;
    const request = await createTestCallback({ data: "x".repeat(2 * 1024 * 1024), secret });
    for (const transfer of ["length", "chunked"] as const) {
      expect((await post(url, { ...request, transfer })).status).toBe(200);
    }
  });

  it("enforces an explicit maxBodyBytes below the app's bodyLimit, in core's error shape", async () => {
    for (const [bodyLimit, maxBodyBytes] of [
      [1024 * 1024, 1024],
      [512, 1024],
    ] as const) {
      const app = Fastify({ bodyLimit });
      await app.register(taskCallback, { path: "/beam", secret, onCallback: () => {}, maxBodyBytes });
      const url = `${await listen(app)}/beam`;
      expect((await post(url, await createTestCallback({ data: "x".repeat(900), secret }))).status).toBe(200);
      for (const transfer of ["length", "chunked"] as const) {
        const request = await createTestCallback({ data: "x".repeat(1100), secret });
        expect(await post(url, { ...request, transfer })).toMatchObject({
          status: 413,
          body: { error: { code: "BODY_TOO_LARGE" } },
        });
      }
    }
  });

  it("answers other methods 405 with Allow: POST, and works under a prefix, registered twice", async () => {
    const app = Fastify();
    await app.register(taskCallback, { prefix: "/hooks", path: "/beam", secret, onCallback: () => {} });
    await app.register(taskCallback, { path: "/beam-eu", secret, onCallback: () => {} });
    const address = await listen(app);
    expect((await post(`${address}/hooks/beam`)).status).toBe(200);
    expect((await post(`${address}/beam-eu`)).status).toBe(200);
    const { status, body, headers } = await post(`${address}/hooks/beam`, { method: "GET" });
    expect({ status, body, allow: headers.allow }).toMatchObject({
      status: 405,
      body: { error: { code: "METHOD_NOT_ALLOWED" } },
      allow: "POST",
    });
  });

  it("works with Fastify's inject, as the README shows", async () => {
    const app = Fastify();
    await app.register(taskCallback, { path: "/beam", secret, onCallback: () => {} });
    const { headers, body } = await createTestCallback({ data: { result: 10 }, secret });
    const response = await app.inject({ method: "POST", url: "/beam", headers, body });
    expect({ status: response.statusCode, body: response.json() }).toEqual({ status: 200, body: { received: true } });
  });

  it("is published as ESM and CJS through the package's exports", async () => {
    const name = "@taskhook/fastify";
    const esm = (await import(name)) as typeof import("../src/index.js");
    const cjs = createRequire(import.meta.url)(name) as typeof import("../src/index.js");
    for (const { taskCallback: published } of [esm, cjs]) {
      const app = Fastify();
      await app.register(published, { path: "/beam", secret, onCallback: () => {} });
      expect((await post(`${await listen(app)}/beam`)).status).toBe(200);
    }
  });
});
