import { describe, expect, it } from "vitest";
import { createVerifier, signCallback } from "../src/index.js";
import { vectorOptions, vectorRequest, vectors } from "./vectors.js";

describe("shared vectors", () => {
  it("has both kinds of vector", () => {
    expect(vectors.filter((v) => v.expect === "valid").length).toBeGreaterThan(10);
    expect(vectors.filter((v) => v.expect !== "valid").length).toBeGreaterThan(5);
  });

  for (const vector of vectors) {
    it(`${vector.name}: ${vector.expect}`, async () => {
      const verify = createVerifier(vectorOptions(vector)).verify(vectorRequest(vector));
      if (vector.expect === "valid") {
        const callback = await verify;
        expect(callback.data).toStrictEqual(vector.data);
        expect(callback.taskId).toBe(vector.task_id);
        expect(callback.status).toBe(vector.status);
        expect(callback.timestamp).toBe(vector.timestamp);
        expect(callback.secretIndex).toBe(vector.secrets ? vector.secrets.indexOf(vector.secret) : 0);
      } else if (vector.expect === "invalid_signature") {
        await expect(verify).rejects.toMatchObject({ code: "INVALID_SIGNATURE", status: 401 });
      } else if (vector.expect === "invalid_body") {
        await expect(verify).rejects.toMatchObject({ code: "INVALID_BODY", status: 400 });
      } else {
        const error = await verify.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(["MISSING_HEADER", "INVALID_SIGNATURE"]).toContain((error as { code?: string })?.code);
      }
    });
  }

  it("our signer reproduces every valid vector's signature", async () => {
    for (const vector of vectors.filter((v) => v.expect === "valid")) {
      const { body } = vectorRequest(vector);
      const headers = await signCallback({ body, secret: vector.secret, timestamp: vector.timestamp });
      expect(headers["X-Task-Signature"], vector.name).toBe(vector.signature.toLowerCase());
    }
  });
});
