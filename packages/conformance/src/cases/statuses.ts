import type { StandardSchemaV1 } from "@taskhook/core/adapter";
import { describe, expect, it } from "vitest";
import { expectAccepted, expectError, type SuiteContext } from "../context.js";

/** `{"result": <number>}`, written against the Standard Schema interface so the suite needs no validator. */
const resultSchema: StandardSchemaV1<unknown, { result: number }> = {
  "~standard": {
    version: 1,
    vendor: "taskhook-conformance",
    validate: (value) =>
      typeof value === "object" && value !== null && typeof (value as { result?: unknown }).result === "number"
        ? { value: value as { result: number } }
        : { issues: [{ message: "expected {result: number}", path: ["result"] }] },
  },
};

/**
 * A schema describes a COMPLETE result. Beam sends the other statuses with its own shapes
 * (PROTOCOL.md's table), and answering them 4xx would lose, for good, exactly the callbacks
 * that say a task failed.
 */
export function statusCases(ctx: SuiteContext): void {
  describe("statuses and a COMPLETE schema", () => {
    it.each([
      ["ERROR", { error: "ZeroDivisionError: division by zero" }],
      ["ERROR", {}],
      ["CANCELLED", {}],
      ["CANCELLED", null],
      ["TIMEOUT", {}],
      ["TIMEOUT", null],
    ])("a %s callback with data %j passes through a route with a COMPLETE schema -> 2xx", async (status, data) => {
      const server = await ctx.start({ options: { schema: resultSchema } });
      expectAccepted(await server.send(await ctx.callback(data, { status })));
      expect(server.received.map((c) => [c.status, c.data])).toEqual([[status, data]]);
    });

    it("a COMPLETE callback that does not match the schema -> 400 INVALID_BODY, handler not run", async () => {
      const server = await ctx.start({ options: { schema: resultSchema } });
      expectError(await server.send(await ctx.callback({ error: "boom" })), "INVALID_BODY");
      expectAccepted(await server.send(await ctx.callback({ result: 10 })));
      expect(server.received.map((c) => c.data)).toEqual([{ result: 10 }]);
    });

    it("a schema map validates the statuses it names: a bad ERROR -> 400, a TIMEOUT passes", async () => {
      const server = await ctx.start({ options: { schema: { ERROR: resultSchema } } });
      expectError(await server.send(await ctx.callback({ error: "boom" }, { status: "ERROR" })), "INVALID_BODY");
      expectAccepted(await server.send(await ctx.callback({}, { status: "TIMEOUT" })));
      expectAccepted(await server.send(await ctx.callback("anything")));
      expect(server.received.map((c) => c.status)).toEqual(["TIMEOUT", "COMPLETE"]);
    });
  });
}
