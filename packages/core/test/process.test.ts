import { describe, expect, it, vi } from "vitest";
import { createCallbackProcessor } from "../src/adapter.js";
import { createTestCallback, type IdempotencyStore, memoryStore, TaskCallbackError } from "../src/index.js";

const secret = "sk_process";
const T = 1_764_230_400;
const now = () => T * 1000;
const quiet = { onError: () => {} };

async function request(data: unknown = { result: 10 }, taskId = "task-1") {
  const { headers, body } = await createTestCallback({ data, secret, timestamp: T, taskId });
  return { method: "POST", headers, body };
}

const bodyOf = (response: { body: string }) => JSON.parse(response.body);

describe("createCallbackProcessor", () => {
  it("runs the handler once and answers 200", async () => {
    const onCallback = vi.fn();
    const processor = createCallbackProcessor({ secret, now, onCallback });
    const response = await processor.process(await request());
    expect(response).toMatchObject({ status: 200, handled: true });
    expect(bodyOf(response)).toEqual({ received: true });
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    expect(onCallback).toHaveBeenCalledOnce();
    expect(onCallback.mock.calls[0]?.[0]).toMatchObject({ taskId: "task-1", data: { result: 10 } });
  });

  it("answers errors from the table in one shape, without running the handler", async () => {
    const onCallback = vi.fn();
    const processor = createCallbackProcessor({ secret, now, onCallback });
    const { headers, body } = await request();
    const cases = [
      [{ method: "POST", headers, body: body.replace("10", "11") }, 401, "INVALID_SIGNATURE"],
      [{ method: "POST", headers: { ...headers, "X-Task-ID": undefined }, body }, 400, "MISSING_HEADER"],
      [{ method: "GET", headers, body }, 405, "METHOD_NOT_ALLOWED"],
    ] as const;
    for (const [input, status, code] of cases) {
      const response = await processor.process(input);
      expect(response.status).toBe(status);
      expect(bodyOf(response)).toEqual({ error: { code, message: expect.any(String) } });
    }
    expect((await processor.process(cases[2][0])).headers.allow).toBe("POST");
    expect(onCallback).not.toHaveBeenCalled();
  });

  it("reads a stream body within the limit and refuses a larger one with 413", async () => {
    const { headers, body } = await request();
    const processor = createCallbackProcessor({ secret, now, maxBodyBytes: 64 });
    const stream = new Blob([body]).stream();
    expect((await processor.process({ method: "POST", headers, body: stream })).status).toBe(200);
    const big = new Blob(["x".repeat(1000)]).stream();
    const response = await processor.process({ method: "POST", headers, body: big });
    expect(response.status).toBe(413);
    expect(bodyOf(response).error.code).toBe("BODY_TOO_LARGE");
  });

  it("answers a body that arrives too slowly 408 REQUEST_TIMEOUT with Connection: close", async () => {
    const onCallback = vi.fn();
    const { headers, body } = await request();
    const processor = createCallbackProcessor({ secret, now, onCallback, bodyTimeoutMs: 30 });
    const stalled = new ReadableStream({
      start: (controller) => controller.enqueue(new TextEncoder().encode(body.slice(0, 10))),
    });
    const response = await processor.process({ method: "POST", headers, body: stalled });
    expect(response.status).toBe(408);
    expect(response.headers.connection).toBe("close");
    expect(bodyOf(response)).toEqual({ error: { code: "REQUEST_TIMEOUT", message: expect.any(String) } });
    expect(onCallback).not.toHaveBeenCalled();
    expect((await processor.process({ method: "POST", headers, body: new Blob([body]).stream() })).status).toBe(200);
  });

  it("checks bodyTimeoutMs: never negative, never NaN", () => {
    expect(() => createCallbackProcessor({ secret, bodyTimeoutMs: 0 })).not.toThrow();
    expect(() => createCallbackProcessor({ secret, bodyTimeoutMs: -1 })).toThrow(/bodyTimeoutMs/);
    expect(() => createCallbackProcessor({ secret, bodyTimeoutMs: Number.NaN })).toThrow(TypeError);
  });

  describe("duplicates", () => {
    it("acknowledges a duplicate after success without running the handler", async () => {
      const onCallback = vi.fn();
      const processor = createCallbackProcessor({ secret, now, onCallback });
      const req = await request();
      await processor.process(req);
      const again = await processor.process(req);
      expect(again).toMatchObject({ status: 200, handled: false });
      expect(bodyOf(again)).toEqual({ received: true, duplicate: true });
      expect(onCallback).toHaveBeenCalledOnce();
    });

    it("answers 503 with Retry-After while the first delivery is still running", async () => {
      let finish = () => {};
      const onCallback = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
      const processor = createCallbackProcessor({ secret, now, onCallback });
      const req = await request();
      const first = processor.process(req);
      await vi.waitFor(() => expect(onCallback).toHaveBeenCalledOnce());
      const second = await processor.process(req);
      expect(second.status).toBe(503);
      expect(second.headers["retry-after"]).toBe("1");
      expect(bodyOf(second).error.code).toBe("DUPLICATE_IN_FLIGHT");
      finish();
      expect((await first).status).toBe(200);
      expect(onCallback).toHaveBeenCalledOnce();
    });

    it("releases on handler failure: 500 without details, and the retry runs the handler again", async () => {
      const onError = vi.fn();
      const onCallback = vi
        .fn()
        .mockRejectedValueOnce(new Error(`boom ${secret}`))
        .mockResolvedValueOnce(undefined);
      const processor = createCallbackProcessor({ secret, now, onCallback, onError });
      const req = await request();
      const failed = await processor.process(req);
      expect(failed.status).toBe(500);
      expect(bodyOf(failed).error.code).toBe("HANDLER_FAILED");
      expect(failed.body).not.toContain("boom");
      expect(failed.body).not.toContain(secret);
      expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: `boom ${secret}` }), expect.anything());
      expect((await processor.process(req)).status).toBe(200);
      expect(onCallback).toHaveBeenCalledTimes(2);
    });

    it("fails closed with 503 when the store is unreachable", async () => {
      const down: IdempotencyStore = {
        begin: () => Promise.reject(new Error("ECONNREFUSED")),
        complete: () => Promise.reject(new Error("ECONNREFUSED")),
        release: () => Promise.reject(new Error("ECONNREFUSED")),
      };
      const onCallback = vi.fn();
      const processor = createCallbackProcessor({ secret, now, onCallback, idempotency: down, ...quiet });
      const response = await processor.process(await request());
      expect(response.status).toBe(503);
      expect(response.headers["retry-after"]).toBe("1");
      expect(bodyOf(response).error.code).toBe("STORE_UNAVAILABLE");
      expect(onCallback).not.toHaveBeenCalled();
    });

    it("answers a handler's STORE_UNAVAILABLE with 503 and Retry-After, and releases the claim", async () => {
      const onError = vi.fn();
      const onCallback = vi
        .fn()
        .mockRejectedValueOnce(new TaskCallbackError("STORE_UNAVAILABLE", "The queue is unavailable; retry shortly."))
        .mockResolvedValueOnce(undefined);
      const processor = createCallbackProcessor({ secret, now, onCallback, onError });
      const req = await request();
      const refused = await processor.process(req);
      expect(refused.status).toBe(503);
      expect(refused.headers["retry-after"]).toBe("1");
      expect(bodyOf(refused).error).toEqual({
        code: "STORE_UNAVAILABLE",
        message: "The queue is unavailable; retry shortly.",
      });
      expect(onError).toHaveBeenCalledOnce();
      expect((await processor.process(req)).status).toBe(200);
      expect(onCallback).toHaveBeenCalledTimes(2);
    });

    it("treats the same task with a different signature (a new delivery) as new", async () => {
      const onCallback = vi.fn();
      const processor = createCallbackProcessor({ secret, now, onCallback });
      await processor.process(await request({ a: 1 }));
      await processor.process(await request({ a: 2 }));
      expect(onCallback).toHaveBeenCalledTimes(2);
    });

    it("treats the same signed bytes under another status (not signed) as another callback", async () => {
      const onCallback = vi.fn();
      const processor = createCallbackProcessor({ secret, now, onCallback });
      const req = await request();
      await processor.process(req);
      await processor.process({ ...req, headers: { ...req.headers, "X-Task-Status": "TIMEOUT" } });
      expect(onCallback.mock.calls.map(([callback]) => callback.status)).toEqual(["COMPLETE", "TIMEOUT"]);
    });

    it("can be turned off", async () => {
      const onCallback = vi.fn();
      const processor = createCallbackProcessor({ secret, now, onCallback, idempotency: false });
      const req = await request();
      await processor.process(req);
      await processor.process(req);
      expect(onCallback).toHaveBeenCalledTimes(2);
    });

    it("keeps records for twice the tolerance plus Beam's retry window", async () => {
      const store = memoryStore();
      const begin = vi.spyOn(store, "begin");
      const processor = createCallbackProcessor({ secret, now, toleranceSeconds: 30, idempotency: store });
      await processor.process(await request());
      // Task id, status and signature as text: the signature is already a MAC, so no hash.
      expect(begin).toHaveBeenCalledWith(expect.stringMatching(/^task-1:COMPLETE:[0-9a-f]{64}$/), (2 * 30 + 60) * 1000);
    });
  });

  it("answers an adapter's own error in the same shape, reporting a misconfigured body parser", async () => {
    const onError = vi.fn();
    const processor = createCallbackProcessor({ secret, now, onError });
    const response = processor.answerError(new TaskCallbackError("BODY_ALREADY_PARSED", "mount it first"));
    expect(response.status).toBe(500);
    expect(bodyOf(response)).toEqual({ error: { code: "BODY_ALREADY_PARSED", message: "mount it first" } });
    expect(onError).toHaveBeenCalledOnce();
  });

  it("lets middleware pass its own route: a rejection answers 500 HANDLER_FAILED", async () => {
    const processor = createCallbackProcessor({ secret, now, ...quiet });
    const route = vi.fn().mockRejectedValue(new Error("downstream failed"));
    const response = await processor.process(await request(), route);
    expect(response).toMatchObject({ status: 500, handled: false, routeAnswered: false });
    expect(bodyOf(response).error.code).toBe("HANDLER_FAILED");
    expect(route).toHaveBeenCalledOnce();
  });

  it("keeps a route's own 5xx answer and leaves the callback unprocessed; below 500 it is done", async () => {
    const onError = vi.fn();
    const processor = createCallbackProcessor({ secret, now, onError });
    const req = await request();
    const statuses = [503, 500, 202];
    const route = vi.fn(async () => statuses.shift());
    expect(await processor.process(req, route)).toMatchObject({ status: 503, handled: false, routeAnswered: true });
    expect(String(onError.mock.calls[0]?.[0])).toMatch(/route answered 503/);
    expect(await processor.process(req, route)).toMatchObject({ status: 500, handled: false, routeAnswered: true });
    expect(await processor.process(req, route)).toMatchObject({ status: 202, handled: true, routeAnswered: true });
    const duplicate = await processor.process(req, route);
    expect(duplicate).toMatchObject({ status: 200, handled: false, routeAnswered: false });
    expect(bodyOf(duplicate)).toEqual({ received: true, duplicate: true });
    expect(route).toHaveBeenCalledTimes(3);
  });
});
