import { errorStatus, type TaskCallbackErrorCode } from "@taskhook/core";
import { describe, expect, it, vi } from "vitest";
import { expectAccepted, expectError, largeUploads, type SuiteContext, withoutHeader } from "../context.js";
import { rawRequest, sendRaw, uploadUntilAnswered } from "../http.js";

const MiB = 1024 * 1024;

/**
 * A request that cannot verify is refused from its headers, before its body is read: no
 * client holds memory by uploading a body the server will refuse anyway. And the bodies read
 * at once are bounded (`maxBodyBytesInFlight`): past it, 503 and Beam retries.
 */
export function beforeBodyCases(ctx: SuiteContext): void {
  describe("refused before the body is read", () => {
    const refusals: Array<
      [string, (headers: Record<string, string>) => Record<string, string>, TaskCallbackErrorCode]
    > = [
      [
        "no X-Task-* headers at all",
        (headers) => ({ "Content-Type": headers["Content-Type"] as string }),
        "MISSING_HEADER",
      ],
      ["no X-Task-Signature", (headers) => withoutHeader(headers, "X-Task-Signature"), "MISSING_HEADER"],
      ["a malformed X-Task-ID", (headers) => ({ ...headers, "X-Task-ID": "../etc" }), "INVALID_HEADER"],
      [
        "an expired X-Task-Timestamp",
        (headers) => ({ ...headers, "X-Task-Timestamp": String(ctx.now - 3600) }),
        "TIMESTAMP_EXPIRED",
      ],
      [
        "an X-Task-Signature that is not 64 hex digits",
        (headers) => ({ ...headers, "X-Task-Signature": "zz" }),
        "INVALID_SIGNATURE",
      ],
    ];
    const totalBytes = 48 * MiB;
    const uploads = largeUploads(ctx.target);
    for (const [name, change, code] of refusals) {
      for (const declareLength of [true, false]) {
        it(`${name}, a 48 MiB upload under a 64 MiB limit ${declareLength ? "with Content-Length" : "chunked"} -> ${code} ${uploads.when}`, async () => {
          const server = await ctx.start({ options: { maxBodyBytes: 64 * MiB } });
          const { headers } = await ctx.callback({ result: 10 });
          const result = await uploadUntilAnswered(server.url, { headers: change(headers), totalBytes, declareLength });
          uploads.expectRefused(result, code, totalBytes);
          expect(server.received).toHaveLength(0);
          // Reported like any refusal, with no body size: none was read. (A report may land after the answer.)
          await vi.waitFor(() =>
            expect(server.rejections).toEqual([expect.objectContaining({ code, status: errorStatus[code] })]),
          );
          expect(server.rejections[0]?.bodyBytes).toBeUndefined();
          expectAccepted(await server.send(await ctx.callback({ still: "serving" })));
        });
      }
    }

    it("while another body fills maxBodyBytesInFlight -> 503 RECEIVER_BUSY with Retry-After: 1; once it is read, callbacks are accepted again", {
      timeout: 20_000,
    }, async () => {
      const server = await ctx.start({ options: { maxBodyBytes: MiB, maxBodyBytesInFlight: MiB } });
      // A body 10 bytes short of the budget: no probe below fits next to it.
      const slow = await ctx.callback({ padding: "x".repeat(MiB - 10 - '{"data": {"padding": ""}}'.length) });
      const bytes = rawRequest(server.url, {
        headers: [...Object.entries(slow.headers), ["Connection", "close"]],
        body: slow.body,
      });
      const cut = bytes.length - 1000;
      let busy: Awaited<ReturnType<typeof server.send>> | undefined;
      const probing = vi.waitFor(
        async () => {
          busy = await server.send(await ctx.callback({ probe: true }));
          expect(busy.status).toBe(503);
        },
        { timeout: 10_000, interval: 50 },
      );
      const first = sendRaw(server.url, [bytes.subarray(0, cut), bytes.subarray(cut)], {
        hold: probing,
        waitMs: 15_000,
      });
      await probing;
      expectError(busy as NonNullable<typeof busy>, "RECEIVER_BUSY");
      await vi.waitFor(() => expect(server.rejections.map((info) => info.code)).toContain("RECEIVER_BUSY"));
      expect(busy?.headers["retry-after"]).toBe("1");
      const { responses } = await first;
      expectAccepted(responses[0] ?? { status: 0, headers: {}, text: "no answer", json: undefined });
      expect(server.received.map((callback) => callback.taskId)).toContain(slow.headers["X-Task-ID"]);
      expectAccepted(await server.send(await ctx.callback({ after: true })));
    });
  });
}
