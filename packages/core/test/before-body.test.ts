import { describe, expect, it } from "vitest";
import { createCallbackProcessor } from "../src/adapter.js";
import { createBodyBudget } from "../src/body-budget.js";
import { createTestCallback, createVerifier } from "../src/index.js";

const secret = "sk_before_body";

/** A Node-style body that never sends a byte, and says whether anyone started reading it. */
function silentBody() {
  const state = { read: false };
  const body = {
    [Symbol.asyncIterator]() {
      state.read = true;
      return { next: () => new Promise<IteratorResult<Uint8Array>>(() => {}) };
    },
  };
  return { body, state };
}

describe("checks before the body", () => {
  it("verifier.checkHeaders throws what verify would, for each header problem, and passes Beam's headers", async () => {
    const verifier = createVerifier({ secret });
    const { headers } = await createTestCallback({ data: 1, secret });
    expect(() => verifier.checkHeaders(headers)).not.toThrow();
    const cases: Array<[Record<string, string>, string]> = [
      [{}, "MISSING_HEADER"],
      [{ ...headers, "X-Task-ID": "../x" }, "INVALID_HEADER"],
      [{ ...headers, "X-Task-Timestamp": "+1" }, "INVALID_HEADER"],
      [{ ...headers, "X-Task-Timestamp": String(Math.floor(Date.now() / 1000) - 3600) }, "TIMESTAMP_EXPIRED"],
      [{ ...headers, "X-Task-Signature": "abc" }, "INVALID_SIGNATURE"],
      [{ ...headers, "Content-Encoding": "gzip" }, "UNSUPPORTED_ENCODING"],
    ];
    for (const [given, code] of cases) {
      expect(() => verifier.checkHeaders(given), code).toThrow(expect.objectContaining({ code }));
      await expect(verifier.verify({ headers: given, body: "{}" })).rejects.toMatchObject({ code });
    }
  });

  it("the processor answers a request without Beam's headers without starting to read its body", async () => {
    const processor = createCallbackProcessor({ secret, onCallback: () => {} });
    const { body, state } = silentBody();
    const response = await processor.process({ method: "POST", headers: { "content-length": "1000" }, body });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: "MISSING_HEADER" } });
    expect(state.read).toBe(false);
  });

  it("a stale callback refused from its headers still gets its diagnosis when its body is small; a large one is not read", async () => {
    const infos: Array<{ code: string; bodyBytes?: number; diagnosis?: Array<{ reason: string }> }> = [];
    const processor = createCallbackProcessor({
      secret,
      onCallback: () => {},
      onRejected: (_e, info) => infos.push(info),
    });
    const stale = await createTestCallback({ data: 1, secret, timestamp: Math.floor(Date.now() / 1000) - 3600 });
    const small = await processor.process({
      headers: { ...stale.headers, "content-length": String(stale.body.length) },
      body: new Response(stale.body).body,
    });
    expect(small.status).toBe(401);
    expect(infos[0]).toMatchObject({ code: "TIMESTAMP_EXPIRED", bodyBytes: stale.body.length });
    expect(infos[0]?.diagnosis?.map((entry) => entry.reason)).toEqual(["CLOCK_SKEW"]);
    const { body, state } = silentBody();
    const large = await processor.process({ headers: { ...stale.headers, "content-length": "10000000" }, body });
    expect(large.status).toBe(401);
    expect(state.read).toBe(false);
    expect(infos[1]).toMatchObject({ code: "TIMESTAMP_EXPIRED" });
    expect(infos[1]?.bodyBytes).toBeUndefined();
  });

  it("maxBodyBytesInFlight below maxBodyBytes is refused at creation, with both numbers", () => {
    expect(() => createCallbackProcessor({ secret, maxBodyBytes: 1000, maxBodyBytesInFlight: 999 })).toThrow(
      /maxBodyBytesInFlight.*999.*1000/,
    );
    expect(() => createCallbackProcessor({ secret, maxBodyBytes: 1000, maxBodyBytesInFlight: 0 })).not.toThrow();
  });

  it("a body waiting for its bytes holds its Content-Length: the next request gets 503 RECEIVER_BUSY until it ends", async () => {
    const processor = createCallbackProcessor({
      secret,
      maxBodyBytes: 1000,
      maxBodyBytesInFlight: 1000,
      onCallback: () => {},
    });
    const slow = await createTestCallback({ data: 1, secret });
    let send: (chunk: Uint8Array | undefined) => void = () => {};
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        send = (chunk) => (chunk === undefined ? controller.close() : controller.enqueue(chunk));
      },
    });
    const first = processor.process({ headers: { ...slow.headers, "content-length": "1000" }, body: chunks });
    const next = await createTestCallback({ data: 2, secret });
    const busy = await processor.process({ headers: next.headers, body: new Response(next.body).body });
    expect(busy.status).toBe(503);
    expect(busy.headers["retry-after"]).toBe("1");
    expect(JSON.parse(busy.body)).toMatchObject({ error: { code: "RECEIVER_BUSY" } });
    send(new TextEncoder().encode(slow.body));
    send(undefined);
    expect((await first).status).toBe(200);
    const again = await processor.process({ headers: next.headers, body: new Response(next.body).body });
    expect(again.status).toBe(200);
  });
});

describe("createBodyBudget", () => {
  it("holds a declared length from the start, and what arrives without one, until released", () => {
    const budget = createBodyBudget(100);
    const declared = budget.admit("60", 100);
    expect(() => budget.admit("41", 100)).toThrow(expect.objectContaining({ code: "RECEIVER_BUSY" }));
    const chunked = budget.admit(undefined, 100);
    chunked.take(30);
    expect(() => chunked.take(11)).toThrow(expect.objectContaining({ code: "RECEIVER_BUSY" }));
    chunked.release();
    declared.release();
    const whole = budget.admit("100", 100);
    whole.take(100);
    expect(() => budget.admit("0", 100)).toThrow(expect.objectContaining({ code: "RECEIVER_BUSY" }));
    whole.release();
    expect(() => budget.admit("100", 100).release()).not.toThrow();
  });

  it("0 is no limit; a Content-Length over maxBodyBytes holds nothing (it is refused anyway)", () => {
    const none = createBodyBudget(0);
    for (let i = 0; i < 10; i++) none.admit("1000000", 1_000_000).take(1_000_000);
    const budget = createBodyBudget(100);
    budget.admit("5000", 100);
    expect(() => budget.admit("100", 100).release()).not.toThrow();
  });
});
