import { describe, expect, it, vi } from "vitest";
import { expectError, type SuiteContext } from "../context.js";
import { type Vector, vectorRequest } from "../vector-file.js";

/**
 * Refusals reach `onRejected` with a diagnosis (the valid vector's signature over a re-written
 * copy of its body, its key without `sk_`), and the answer does not depend on it. The cases wait
 * for the reports: a handler in another process may report just after its answer.
 */
export function refusalCases(ctx: SuiteContext): void {
  const vector = (name: string) => ctx.vectors.vectors.find((v) => v.name === name);

  describe("refused callbacks are reported", () => {
    const nested = vector("nested") as Vector;
    const reserialized = () => ({
      ...vectorRequest(nested),
      body: JSON.stringify(JSON.parse(nested.body_utf8)),
    });
    const at = { secret: nested.secret, now: () => nested.timestamp * 1000 };

    it("a re-serialized body -> 401, reported as INVALID_SIGNATURE with BODY_RESERIALIZED", async () => {
      const server = await ctx.start({ options: at });
      const response = await server.send(reserialized());
      expectError(response, "INVALID_SIGNATURE");
      await vi.waitFor(() =>
        expect(server.rejections).toEqual([
          {
            code: "INVALID_SIGNATURE",
            status: 401,
            taskId: nested.task_id,
            taskStatus: nested.status,
            bodyBytes: Buffer.byteLength(JSON.stringify(JSON.parse(nested.body_utf8))),
            ageSeconds: 0,
            diagnosis: [{ reason: "BODY_RESERIALIZED", message: expect.any(String) }],
          },
        ]),
      );
      expect(response.text).not.toContain("RESERIALIZED");
    });

    it("the answer is byte for byte the same with and without a diagnosis", async () => {
      const server = await ctx.start({ options: at });
      const first = await server.send(reserialized());
      const second = await server.send(reserialized());
      await vi.waitFor(() =>
        expect(server.rejections.map((info) => info.diagnosis !== undefined)).toEqual([true, false]),
      );
      expect({ status: second.status, type: second.headers["content-type"], text: second.text }).toEqual({
        status: first.status,
        type: first.headers["content-type"],
        text: first.text,
      });
    });

    it("the key configured without sk_ -> reported with SECRET_PREFIX", async () => {
      const v = vector("result-int") as Vector;
      const server = await ctx.start({ options: { secret: v.secret.slice(3), now: () => v.timestamp * 1000 } });
      expectError(await server.send(vectorRequest(v)), "INVALID_SIGNATURE");
      await vi.waitFor(() =>
        expect(server.rejections.map((info) => info.diagnosis)).toEqual([
          [{ reason: "SECRET_PREFIX", message: expect.any(String) }],
        ]),
      );
    });

    it("a hand-written sender's misreading (bad-timestamp-first) -> SCHEME_TIMESTAMP_FIRST", async () => {
      const v = vector("bad-timestamp-first") as Vector;
      const server = await ctx.start({ options: { secret: v.secret, now: () => v.timestamp * 1000 } });
      expectError(await server.send(vectorRequest(v)), "INVALID_SIGNATURE");
      await vi.waitFor(() =>
        expect(server.rejections.map((info) => info.diagnosis?.map((d) => d.reason))).toEqual([
          ["SCHEME_TIMESTAMP_FIRST"],
        ]),
      );
    });

    it("an accepted callback is not reported", async () => {
      const v = vector("result-int") as Vector;
      const server = await ctx.start({ options: { secret: v.secret, now: () => v.timestamp * 1000 } });
      expect((await server.send(vectorRequest(v))).status).toBeLessThan(300);
      expect(server.rejections).toEqual([]);
    });
  });
}
