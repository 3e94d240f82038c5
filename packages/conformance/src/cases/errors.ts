import { describe, expect, it } from "vitest";
import { expectAccepted, expectError, type SuiteContext } from "../context.js";

/** A failing handler: 500 so Beam retries, nothing leaked, and the retry runs it again. */
export function errorCases(ctx: SuiteContext): void {
  describe("handler failures", () => {
    const failures = {
      throws: () => {
        throw new Error(`database down while using ${ctx.secret}`);
      },
      rejects: () => Promise.reject(new Error(`database down while using ${ctx.secret}`)),
    };

    for (const [how, handler] of Object.entries(failures)) {
      it(`a handler that ${how} -> 500 HANDLER_FAILED, no stack, message or secret in the body`, async () => {
        const server = await ctx.start({ handler });
        const response = await server.send(await ctx.callback({ result: 10 }));
        expectError(response, "HANDLER_FAILED");
        expect(response.text).not.toContain(ctx.secret);
        expect(response.text).not.toContain("database down");
        expect(response.text).not.toMatch(/\bat .*:\d+:\d+/);
        expect(server.received).toHaveLength(1);
        expect(server.errors.length, "the failure is reported to onError").toBeGreaterThan(0);
      });
    }

    it("Beam's retry of the same signed request after a failure runs the handler again -> 2xx", async () => {
      let attempts = 0;
      const server = await ctx.start({
        handler: () => {
          attempts++;
          if (attempts === 1) throw new Error("first attempt fails");
        },
      });
      const request = await ctx.callback({ result: 10 });
      expectError(await server.send(request), "HANDLER_FAILED");
      expectAccepted(await server.send(request));
      expect(server.received).toHaveLength(2);
    });

    it("one handler failure does not affect the next callback", async () => {
      const server = await ctx.start({
        handler: (callback) => {
          if (callback.data === "bad") throw new Error("bad data");
        },
      });
      expectError(await server.send(await ctx.callback("bad")), "HANDLER_FAILED");
      expectAccepted(await server.send(await ctx.callback("good")));
      expect(server.received.map((c) => c.data)).toEqual(["bad", "good"]);
    });
  });
}
