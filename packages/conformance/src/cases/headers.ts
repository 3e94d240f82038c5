import { DEFAULT_TOLERANCE_SECONDS, headerNames } from "@taskhook/core/adapter";
import { describe, expect, it } from "vitest";
import { expectAccepted, expectError, type SuiteContext, withoutHeader } from "../context.js";

/** Missing and malformed headers, and the timestamp window. */
export function headerCases(ctx: SuiteContext): void {
  describe("headers", () => {
    for (const name of Object.values(headerNames)) {
      it(`missing ${name} -> 400 MISSING_HEADER`, async () => {
        const server = await ctx.start();
        const request = await ctx.callback({ result: 10 });
        const response = await server.send({ ...request, headers: withoutHeader(request.headers, name) });
        expectError(response, "MISSING_HEADER");
        expect(response.json).toMatchObject({ error: { message: expect.stringContaining(name) } });
        expect(server.received).toHaveLength(0);
      });
    }

    it("header names in any letter case -> 2xx", async () => {
      const server = await ctx.start();
      const request = await ctx.callback({ result: 10 });
      const shouted = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toUpperCase(), v]));
      expectAccepted(await server.send({ ...request, headers: shouted }));
      expect(server.received).toHaveLength(1);
    });

    it.each(["17643168OO", "1764316800.0", "1.7643168e9", "0x6927a4c0", "now"])(
      "malformed timestamp %j -> 400 INVALID_HEADER",
      async (timestamp) => {
        const server = await ctx.start();
        const request = await ctx.callback({ result: 10 });
        const response = await server.send({
          ...request,
          headers: { ...request.headers, "X-Task-Timestamp": timestamp },
        });
        expectError(response, "INVALID_HEADER");
        expect(server.received).toHaveLength(0);
      },
    );

    timestampAndStatusCases(ctx);
  });
}

/** The timestamp window and the status word. */
function timestampAndStatusCases(ctx: SuiteContext): void {
  const tolerance = DEFAULT_TOLERANCE_SECONDS;
  it.each([
    ["stale", -(tolerance + 1), "TIMESTAMP_EXPIRED"],
    ["far in the past", -86_400, "TIMESTAMP_EXPIRED"],
    ["in the future", tolerance + 1, "TIMESTAMP_IN_FUTURE"],
    ["far in the future", 86_400, "TIMESTAMP_IN_FUTURE"],
  ] as const)("%s timestamp -> 401 %s", async (_, offset, code) => {
    const server = await ctx.start();
    const response = await server.send(await ctx.callback({ result: 10 }, { timestamp: ctx.now + offset }));
    expectError(response, code);
    expect(server.received).toHaveLength(0);
  });

  it.each([
    ["oldest", -tolerance],
    ["newest", tolerance],
  ])("%s timestamp inside the tolerance -> 2xx", async (_, offset) => {
    const server = await ctx.start();
    expectAccepted(await server.send(await ctx.callback({ result: 10 }, { timestamp: ctx.now + offset })));
    expect(server.received).toHaveLength(1);
  });

  it("passes toleranceSeconds through", async () => {
    const server = await ctx.start({ options: { toleranceSeconds: 5 } });
    expectAccepted(await server.send(await ctx.callback(1, { timestamp: ctx.now - 5 })));
    expectError(await server.send(await ctx.callback(2, { timestamp: ctx.now - 6 })), "TIMESTAMP_EXPIRED");
    expect(server.received).toHaveLength(1);
  });

  it("a status this version does not know yet -> 2xx, kept as sent", async () => {
    const server = await ctx.start();
    expectAccepted(await server.send(await ctx.callback({}, { status: "PAUSED" })));
    expect(server.received[0]?.status).toBe("PAUSED");
  });

  it("a malformed status -> 400 INVALID_HEADER", async () => {
    const server = await ctx.start();
    expectError(await server.send(await ctx.callback({}, { status: "complete" })), "INVALID_HEADER");
    expect(server.received).toHaveLength(0);
  });
}
