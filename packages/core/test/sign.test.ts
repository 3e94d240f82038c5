import { describe, expect, it } from "vitest";
import { toPythonJson } from "../src/adapter.js";
import { createTestCallback, createVerifier } from "../src/index.js";
import { vectors } from "./vectors.js";

describe("toPythonJson (Python json.dumps defaults)", () => {
  // Vectors whose body is what Python writes for their data (not the deliberately compact,
  // raw UTF-8 or form ones, nor those the file marks `data_roundtrip: false`: no JavaScript
  // value serializes back to their body, which is reproduced only from its text).
  const pythonShaped = vectors.filter(
    (v) =>
      v.expect === "valid" &&
      v.content_type === "application/json" &&
      v.data_roundtrip !== false &&
      !["compact-json", "raw-utf8"].includes(v.name),
  );

  it.each(pythonShaped.map((v) => [v.name, v] as const))("reproduces vector %s byte for byte", (_, vector) => {
    expect(toPythonJson({ data: vector.data })).toBe(vector.body_utf8);
  });

  it("escapes every character outside printable ASCII like Python", () => {
    expect(toPythonJson({ data: 'a\u007f\u0000\n\t"\\/é😀' })).toBe(
      '{"data": "a\\u007f\\u0000\\n\\t\\"\\\\/\\u00e9\\ud83d\\ude00"}',
    );
    expect(toPythonJson({ data: { ключ: [1, { b: null }] } })).toBe(
      '{"data": {"\\u043a\\u043b\\u044e\\u0447": [1, {"b": null}]}}',
    );
    expect(toPythonJson({ data: "a, b: c" })).toBe('{"data": "a, b: c"}');
  });
});

describe("createTestCallback", () => {
  it("builds a request the verifier accepts, with Beam's headers", async () => {
    const cb = await createTestCallback({ data: { caption: "東京" }, secret: "sk_x", status: "TIMEOUT" });
    expect(Object.keys(cb.headers).sort()).toEqual(
      ["Content-Type", "X-Task-ID", "X-Task-Signature", "X-Task-Status", "X-Task-Timestamp"].sort(),
    );
    expect(cb.headers["X-Task-ID"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(cb.body).toBe('{"data": {"caption": "\\u6771\\u4eac"}}');
    const verified = await createVerifier({ secret: "sk_x" }).verify(cb);
    expect(verified).toMatchObject({ status: "TIMEOUT", data: { caption: "東京" }, taskId: cb.taskId });
  });
});
