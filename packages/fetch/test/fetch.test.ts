import type { StandardSchemaV1 } from "@taskhook/core/adapter";
import { describe, expect, expectTypeOf, it } from "vitest";
import { createCallbackHandler, createTestCallback, type TaskCallback, verifyRequest } from "../src/index.js";

const secret = "sk_fetch_test";
const post = (init: { headers: HeadersInit; body: BodyInit }) =>
  new Request("http://127.0.0.1/beam", { method: "POST", ...init, duplex: "half" } as RequestInit);

/** An endless body that counts what was read from it and whether it was cancelled. */
function endlessBody(chunkBytes = 16 * 1024) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled += chunkBytes;
      controller.enqueue(new Uint8Array(chunkBytes).fill(0x20));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

describe("types from a schema", () => {
  const schema: StandardSchemaV1<unknown, { result: number }> = {
    "~standard": { version: 1, vendor: "test", validate: (value) => ({ value: value as { result: number } }) },
  };

  it("onCallback and verifyRequest see data typed by the schema once status is checked", async () => {
    const seen: unknown[] = [];
    const handler = createCallbackHandler({
      secret,
      schema,
      onCallback: (callback) => {
        expectTypeOf(callback).toEqualTypeOf<TaskCallback<{ result: number }>>();
        if (callback.status === "COMPLETE") expectTypeOf(callback.data).toEqualTypeOf<{ result: number }>();
        seen.push(callback.data);
      },
    });
    const cancelled = await createTestCallback({ data: null, secret, status: "CANCELLED" });
    expect((await handler(post(cancelled))).status).toBe(200);
    const callback = await verifyRequest(post(await createTestCallback({ data: { result: 1 }, secret })), {
      secret,
      schema,
    });
    if (callback.status === "COMPLETE") expectTypeOf(callback.data.result).toBeNumber();
    expect([...seen, callback.data]).toEqual([null, { result: 1 }]);
  });
});

describe("verifyRequest", () => {
  it("returns the verified callback", async () => {
    const { headers, body, taskId } = await createTestCallback({ data: { result: 10 }, secret });
    const callback = await verifyRequest(post({ headers, body }), { secret });
    expect(callback).toMatchObject({ taskId, status: "COMPLETE", data: { result: 10 } });
  });

  it("rejects with the coded error", async () => {
    const { headers, body } = await createTestCallback({ data: 1, secret: "sk_other" });
    await expect(verifyRequest(post({ headers, body }), { secret })).rejects.toMatchObject({
      code: "INVALID_SIGNATURE",
      status: 401,
    });
  });

  it("stops reading a streamed body at maxBodyBytes", async () => {
    const { headers } = await createTestCallback({ data: 1, secret });
    const { stream, state } = endlessBody();
    const request = post({ headers, body: stream });
    await expect(verifyRequest(request, { secret, maxBodyBytes: 100_000 })).rejects.toMatchObject({
      code: "BODY_TOO_LARGE",
    });
    expect(state.pulled).toBeLessThan(100_000 + 64 * 1024);
  });

  it("refuses a request without Beam's headers before reading its body", async () => {
    const { stream, state } = endlessBody();
    const request = post({ headers: { "Content-Type": "application/json" }, body: stream });
    await expect(verifyRequest(request, { secret })).rejects.toMatchObject({ code: "MISSING_HEADER" });
    expect(state.pulled).toBeLessThanOrEqual(16 * 1024); // the stream's own first pull, at most
  });
});

describe("createCallbackHandler", () => {
  it("answers a stale request at once, without reading its endless body, and cancels it", async () => {
    const handle = createCallbackHandler({ secret, onCallback: () => {} });
    const { headers } = await createTestCallback({ data: 1, secret, timestamp: Math.floor(Date.now() / 1000) - 3600 });
    const { stream, state } = endlessBody();
    const response = await handle(post({ headers, body: stream }));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "TIMESTAMP_EXPIRED" } });
    expect(state.pulled).toBeLessThanOrEqual(16 * 1024);
    expect(state.cancelled).toBe(true);
  });

  it("answers 413 to an endless body and stops reading it", async () => {
    const handle = createCallbackHandler({ secret, maxBodyBytes: 100_000, onCallback: () => {} });
    const { headers } = await createTestCallback({ data: 1, secret });
    const { stream, state } = endlessBody();
    const response = await handle(post({ headers, body: stream }));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: "BODY_TOO_LARGE" } });
    expect(state.pulled).toBeLessThan(100_000 + 64 * 1024);
  });

  it("answers 500 BODY_ALREADY_PARSED when something read the body first", async () => {
    const handle = createCallbackHandler({ secret, onCallback: () => {} });
    const request = post(await createTestCallback({ data: 1, secret }));
    await request.json();
    const response = await handle(request);
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: { code: "BODY_ALREADY_PARSED" } });
  });

  it("is published as ESM through the package's exports", async () => {
    const name = "@taskhook/fetch";
    const published = (await import(name)) as typeof import("../src/index.js");
    const handle = published.createCallbackHandler({ secret, onCallback: () => {} });
    expect((await handle(post(await createTestCallback({ data: 1, secret })))).status).toBe(200);
  });
});
