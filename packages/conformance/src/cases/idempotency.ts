import { type IdempotencyStore, memoryStore } from "@taskhook/core";
import { describe, expect, it, vi } from "vitest";
import { expectAccepted, expectError, type SignedRequest, type SuiteContext } from "../context.js";
import { sendPipelined } from "../http.js";

/**
 * Beam resends the identical signed request after a 5xx or a connection error, and anyone who
 * captured a callback can replay it inside the window: each delivery runs the handler once.
 */
export function idempotencyCases(ctx: SuiteContext): void {
  describe("duplicate deliveries", () => {
    it("first delivery runs the handler; a duplicate after success -> 2xx duplicate, handler not run (default store)", async () => {
      const server = await ctx.start();
      const request = await ctx.callback({ result: 10 });
      expectAccepted(await server.send(request));
      const again = await server.send(request);
      expectAccepted(again);
      expect(again.json).toMatchObject({ duplicate: true });
      expect(server.received).toHaveLength(1);
    });

    it("a duplicate while the first is still running -> 503 DUPLICATE_IN_FLIGHT with Retry-After: 1", async () => {
      let finish = () => {};
      const server = await ctx.start({ handler: () => new Promise<void>((resolve) => (finish = resolve)) });
      const request = await ctx.callback({ result: 10 });
      const first = server.send(request);
      await vi.waitFor(() => expect(server.received).toHaveLength(1), { timeout: 5000 });
      const second = await server.send(request);
      expectError(second, "DUPLICATE_IN_FLIGHT");
      expect(second.headers["retry-after"]).toBe("1");
      finish();
      expectAccepted(await first);
      expect(server.received).toHaveLength(1);
    });

    it("a handler failure releases the delivery: 500, and Beam's retry runs the handler again", async () => {
      let calls = 0;
      const server = await ctx.start({
        handler: () => {
          if (++calls === 1) throw new Error("transient");
        },
      });
      const request = await ctx.callback({ result: 10 });
      expectError(await server.send(request), "HANDLER_FAILED");
      expectAccepted(await server.send(request));
      expect((await server.send(request)).json).toMatchObject({ duplicate: true });
      expect(server.received).toHaveLength(2);
    });

    it("an unreachable store -> 503 STORE_UNAVAILABLE with Retry-After, handler not run (fail closed)", async () => {
      const down = () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379"));
      const store: IdempotencyStore = { begin: down, complete: down, release: down };
      const server = await ctx.start({ options: { idempotency: store } });
      const response = await server.send(await ctx.callback({ result: 10 }));
      expectError(response, "STORE_UNAVAILABLE");
      expect(response.headers["retry-after"]).toBe("1");
      expect(response.text).not.toContain("6379");
      expect(server.received).toHaveLength(0);
    });

    it("a new delivery of the same task (new signature) is not a duplicate; idempotency: false turns it off", async () => {
      const server = await ctx.start({ options: { idempotency: false } });
      const request = await ctx.callback({ result: 10 }, { taskId: "6f1c1c3e-0000-4000-8000-000000000001" });
      expectAccepted(await server.send(request));
      expectAccepted(await server.send(request));
      expect(server.received).toHaveLength(2);
      const deduped = await ctx.start();
      await deduped.send(await ctx.callback({ a: 1 }, { taskId: "6f1c1c3e-0000-4000-8000-000000000002" }));
      await deduped.send(await ctx.callback({ a: 2 }, { taskId: "6f1c1c3e-0000-4000-8000-000000000002" }));
      expect(deduped.received).toHaveLength(2);
    });

    // Timeout: a runtime target runs the store in the test process, three calls back per request.
    it("replays relabelled past a full store's cap -> 503 STORE_UNAVAILABLE with Retry-After, reported, handler not run; the original stays a duplicate", {
      timeout: 30_000,
    }, async () => {
      // Task records (for @taskhook/reconcile) off, so each callback takes one record.
      const server = await ctx.start({ options: { idempotency: memoryStore({ maxEntries: 50 }), taskRecordTtlMs: 0 } });
      const captured = await ctx.callback({ result: 10 });
      expectAccepted(await server.send(captured));
      const statuses = await sendPipelined(server.url, relabel(captured, 100), 4, unpipelined(ctx));
      const count = (status: number) => statuses.filter((s) => s === status).length;
      expect({ accepted: count(200), refused: count(503) }).toEqual({ accepted: 49, refused: 51 });
      const refused = await server.send(relabel(captured, 1)[0] as SignedRequest);
      expectError(refused, "STORE_UNAVAILABLE");
      expect(refused.headers["retry-after"]).toBe("1");
      expect(String(server.errors.at(-1))).toMatch(/memoryStore is full/);
      expect(server.received).toHaveLength(50);
      expect((await server.send(captured)).json).toMatchObject({ duplicate: true });
      expect(server.received).toHaveLength(50);
    });

    // The store is core's, the same for every adapter: the full-size scenario (10,000 handler
    // runs, a few seconds) runs for the first suite of each test file only.
    scaleSuite ??= ctx.target.name;
    it.runIf(scaleSuite === ctx.target.name)(
      "one captured callback replayed 10,000 times under new X-Task-IDs, then as it was -> duplicate (default store; first suite per test file)",
      { timeout: 60_000 },
      async () => {
        const server = await ctx.start();
        const captured = await ctx.callback({ result: 10 });
        expectAccepted(await server.send(captured));
        const statuses = await sendPipelined(server.url, relabel(captured, 10_000), 8, unpipelined(ctx));
        expect(statuses.filter((status) => status !== 200)).toEqual([]);
        const again = await server.send(captured);
        expectAccepted(again);
        expect(again.json).toMatchObject({ duplicate: true });
        expect(server.received).toHaveLength(10_001);
      },
    );
  });
}

let scaleSuite: string | undefined;

/** A runtime that closes pipelined connections gets each connection's requests one at a time. */
function unpipelined(ctx: SuiteContext) {
  return { oneAtATime: ctx.target.closesPipelinedConnections !== undefined };
}

/** `count` copies of a signed request, each under a new `X-Task-ID` (Beam does not sign it). */
function relabel(request: SignedRequest, count: number) {
  return Array.from({ length: count }, () => ({
    headers: { ...request.headers, "X-Task-ID": globalThis.crypto.randomUUID() },
    body: request.body,
  }));
}
