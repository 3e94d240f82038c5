import { describe, expect, it } from "vitest";
import { expectAccepted, expectError, type SuiteContext } from "../context.js";

/**
 * Middleware adapters only: the route behind the middleware answers the request itself, and
 * that answer is what Beam sees. Beam retries a 5xx, so a route that answers 5xx must leave the
 * callback unprocessed, or the retry would be acknowledged as a duplicate and the work lost.
 */
export function routeCases(ctx: SuiteContext): void {
  if (ctx.target.mode !== "middleware") return;
  describe("the route's own answer (middleware)", () => {
    it.each([500, 503])(
      "the route answers %i -> Beam gets that answer, the callback stays unprocessed and the retry runs the route",
      async (status) => {
        const server = await ctx.start({
          answer: (_, count) => (count === 1 ? { status, body: { busy: true } } : { status: 200, body: { ok: true } }),
        });
        const request = await ctx.callback({ result: 10 });
        const first = await server.send(request);
        expect({ status: first.status, body: first.json }).toEqual({ status, body: { busy: true } });
        const retry = await server.send(request);
        expect({ status: retry.status, body: retry.json }).toEqual({ status: 200, body: { ok: true } });
        expect((await server.send(request)).json).toMatchObject({ duplicate: true });
        expect(server.received).toHaveLength(2);
        expect(server.errors.map(String).join("\n")).toContain(`route answered ${status}`);
      },
    );

    // Beam sees one answer whatever the framework: never its HTML or plain-text error page.
    it.each([
      ["an Error", () => new Error("database down at app.js:12:3")],
      ["a string", () => "database down"],
    ])(
      "the route throws %s -> 500 HANDLER_FAILED JSON without its message, and the retry runs it again",
      async (_, thrown) => {
        const server = await ctx.start({
          handler: (_callback) => {
            if (server.received.length === 1) throw thrown();
          },
        });
        const request = await ctx.callback({ result: 10 });
        const failed = await server.send(request);
        expectError(failed, "HANDLER_FAILED");
        expect(failed.text).not.toContain("database down");
        expectAccepted(await server.send(request));
        expect(server.received).toHaveLength(2);
      },
    );

    it.each([201, 202, 422])(
      "the route answers %i -> Beam gets that answer and the callback counts as processed",
      async (status) => {
        const server = await ctx.start({ answer: () => ({ status, body: { route: status } }) });
        const request = await ctx.callback({ result: 10 });
        const first = await server.send(request);
        expect({ status: first.status, body: first.json }).toEqual({ status, body: { route: status } });
        const again = await server.send(request);
        expectAccepted(again);
        expect(again.json).toMatchObject({ duplicate: true });
        expect(server.received).toHaveLength(1);
      },
    );
  });
}
