import type { IdempotencyStore } from "@taskhook/core";
import { describe, expect, it, vi } from "vitest";
import { expectAccepted, expectError, type SuiteContext } from "../context.js";

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
  });
}
