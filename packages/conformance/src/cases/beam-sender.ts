import { describe, expect, it } from "vitest";
import { expectAccepted, expectError, type SuiteContext } from "../context.js";

const MiB = 1024 * 1024;

/** What Beam's sender does in practice: large bodies, unsigned deliveries, redirects. */
export function beamSenderCases(ctx: SuiteContext): void {
  describe("what Beam's sender does in practice", () => {
    it("a 12 MiB callback with the adapter's default options -> 2xx (Beam sends up to 16 MiB)", async () => {
      const server = await ctx.start();
      const blob = "x".repeat(12 * MiB);
      expectAccepted(await server.send(await ctx.callback({ blob })));
      expect(server.received).toHaveLength(1);
      expect(server.received[0]?.data).toEqual({ blob });
    });

    it("an unsigned delivery (empty signature, timestamp 0) -> 401 UNSIGNED_CALLBACK, not a clock error", async () => {
      const server = await ctx.start();
      const request = await ctx.callback({ result: 10 });
      const headers = { ...request.headers, "X-Task-Signature": "", "X-Task-Timestamp": "0" };
      const response = await server.send({ ...request, headers });
      expectError(response, "UNSIGNED_CALLBACK");
      expect(response.json).toMatchObject({ error: { message: expect.stringMatching(/could not sign/) } });
      expect(server.received).toHaveLength(0);
    });

    it("an empty signature with a real timestamp -> 401 INVALID_SIGNATURE", async () => {
      const server = await ctx.start();
      const request = await ctx.callback({ result: 10 });
      const response = await server.send({ ...request, headers: { ...request.headers, "X-Task-Signature": "" } });
      expectError(response, "INVALID_SIGNATURE");
    });

    it("the same task id, bytes and second with another status -> both processed", async () => {
      const server = await ctx.start();
      const init = { taskId: "task-status-pair" };
      expectAccepted(await server.send(await ctx.callback({}, { ...init, status: "TIMEOUT" })));
      expectAccepted(await server.send(await ctx.callback({}, { ...init, status: "CANCELLED" })));
      const again = await server.send(await ctx.callback({}, { ...init, status: "CANCELLED" }));
      expect(again.json).toMatchObject({ duplicate: true });
      expect(server.received.map((c) => c.status)).toEqual(["TIMEOUT", "CANCELLED"]);
    });

    if (ctx.target.nonPost === "405") {
      it.each(["GET", "HEAD"])(
        "a %s carrying Beam's headers (a 301/302/303 redirect) -> 405 naming the redirect",
        async (method) => {
          const server = await ctx.start();
          const { headers } = await ctx.callback({ result: 10 });
          const response = await server.send({ method, headers });
          expect(response.status).toBe(405);
          expect(response.headers.allow).toBe("POST");
          if (method === "GET") {
            expectError(response, "METHOD_NOT_ALLOWED");
            expect(response.json).toMatchObject({
              error: { message: expect.stringMatching(/redirect.*https.*trailing slash/s) },
            });
          }
          expect(server.received).toHaveLength(0);
        },
      );
    }
  });
}
