import { describe, expect, it } from "vitest";
import { expectError, type SuiteContext } from "../context.js";

/** Methods other than POST, by the adapter's documented rule. */
export function methodCases(ctx: SuiteContext): void {
  const rule = ctx.target.nonPost;
  const outcome = rule === "405" ? "405 METHOD_NOT_ALLOWED with Allow: POST" : "passed on (404 here)";

  describe(`methods other than POST: ${outcome}`, () => {
    it.each(["GET", "PUT", "DELETE", "PATCH"])(`a signed callback sent with %s -> ${outcome}`, async (method) => {
      const server = await ctx.start();
      const request = await ctx.callback({ result: 10 });
      const withBody = method === "PUT" || method === "PATCH";
      const response = await server.send(withBody ? { ...request, method } : { headers: request.headers, method });
      if (rule === "405") {
        expectError(response, "METHOD_NOT_ALLOWED");
        expect(response.headers.allow).toBe("POST");
      } else {
        expect(response.status).toBe(404);
      }
      expect(server.received).toHaveLength(0);
    });
  });
}
