import { describe, expect, it } from "vitest";
import { expectAccepted, expectError, type SuiteContext } from "../context.js";
import { vectorRequest } from "../vector-file.js";

/** Every shared vector over real HTTP, with and without `Content-Length`. */
export function vectorCases(ctx: SuiteContext): void {
  const { vectors } = ctx.vectors;

  describe("shared vectors", () => {
    it("has valid and invalid vectors to run", () => {
      expect(vectors.filter((v) => v.expect === "valid").length).toBeGreaterThan(0);
      expect(vectors.filter((v) => v.expect !== "valid").length).toBeGreaterThan(0);
    });

    for (const transfer of ["length", "chunked"] as const) {
      describe(transfer === "length" ? "with Content-Length" : "chunked, without Content-Length", () => {
        for (const vector of vectors) {
          it(`${vector.name}: ${vector.expect}`, async () => {
            const server = await ctx.start({
              options: { secret: vector.secrets ?? vector.secret, now: () => vector.timestamp * 1000 },
            });
            const request = vectorRequest(vector);
            // A runtime that closes a connection whose body went unread gets a refused body in one chunk, all
            // sent before the answer: split, the client may still be writing when the connection closes.
            const whole = ctx.target.closesAfterUnreadBody !== undefined && vector.expect !== "valid";
            const response = await server.send({
              ...request,
              transfer,
              ...(whole && { chunkBytes: request.body.length }),
            });

            if (vector.expect !== "valid") {
              if (vector.expect === "invalid_body") expectError(response, "INVALID_BODY");
              else if (vector.expect === "rejected" && response.status === 400) expectError(response, "MISSING_HEADER");
              else expectError(response, "INVALID_SIGNATURE");
              expect(server.received).toHaveLength(0);
              return;
            }
            expectAccepted(response);
            expect(server.received).toHaveLength(1);
            const callback = server.received[0] as (typeof server.received)[number];
            expect({
              taskId: callback.taskId,
              status: callback.status,
              timestamp: callback.timestamp,
              data: callback.data,
              secretIndex: callback.secretIndex,
              body: Buffer.from(callback.body).toString("base64"),
            }).toEqual({
              taskId: vector.task_id,
              status: vector.status,
              timestamp: vector.timestamp,
              data: vector.data,
              secretIndex: vector.secrets ? vector.secrets.indexOf(vector.secret) : 0,
              body: vector.body_base64,
            });
          });
        }
      });
    }
  });
}
