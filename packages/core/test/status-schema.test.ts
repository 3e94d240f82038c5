import { type } from "arktype";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  type BeamData,
  createTestCallback,
  createVerifier,
  type EmptyData,
  type InferCallback,
  type TaskCallback,
} from "../src/index.js";

const secret = "sk_status_schema";
const T = 1_764_230_400;
const now = () => T * 1000;
const result = z.object({ result: z.number() });

/** A callback as Beam sends it for `status`, verified with `schema`. */
async function verify<S extends Parameters<typeof createVerifier>[0]["schema"]>(
  status: string,
  data: unknown,
  schema: S,
) {
  const cb = await createTestCallback({ data, secret, timestamp: T, status });
  return createVerifier({ secret, now, schema }).verify(cb);
}

describe("a schema validates COMPLETE callbacks only, by default", () => {
  // PROTOCOL.md's table: what each runner sends for a task that ended without a result.
  const failures: Array<[string, unknown]> = [
    ["ERROR", { error: "boom" }],
    ["ERROR", {}],
    ["CANCELLED", {}],
    ["CANCELLED", null],
    ["TIMEOUT", {}],
    ["TIMEOUT", null],
    ["RETRY", "anything"],
    ["PAUSED", [1, 2]],
  ];

  it.each(failures)("%s with %j passes through a COMPLETE schema unvalidated", async (status, data) => {
    const callback = await verify(status, data, result);
    expect({ status: callback.status, data: callback.data }).toEqual({ status, data });
  });

  it("COMPLETE is still validated: a result that does not match -> INVALID_BODY", async () => {
    await expect(verify("COMPLETE", { error: "boom" }, result)).rejects.toMatchObject({ code: "INVALID_BODY" });
    const callback = await verify("COMPLETE", { result: 10 }, result);
    expect(callback.data).toEqual({ result: 10 });
  });
});

describe("a map of schemas validates each status it names", () => {
  const schemas = { COMPLETE: result, ERROR: z.object({ error: z.string().transform((e) => e.split("\n")[0]) }) };

  it("validates and transforms ERROR with its own schema; other statuses pass", async () => {
    const error = await verify("ERROR", { error: "Traceback\n  line 1" }, schemas);
    expect(error.data).toEqual({ error: "Traceback" });
    await expect(verify("ERROR", {}, schemas)).rejects.toMatchObject({ code: "INVALID_BODY" });
    expect((await verify("TIMEOUT", null, schemas)).data).toBeNull();
  });

  it("a map without COMPLETE leaves COMPLETE unvalidated", async () => {
    const callback = await verify("COMPLETE", "anything", { ERROR: schemas.ERROR });
    expect(callback.data).toBe("anything");
  });

  it("arktype schemas (functions) work in a map too", async () => {
    const callback = await verify("COMPLETE", { result: 1 }, { COMPLETE: type({ result: "number" }) });
    expect(callback.data).toEqual({ result: 1 });
  });

  it.each([
    [{ complete: result }, 'not "complete"'],
    [{ COMPLETE: { result: "number" } }, "a Standard Schema for COMPLETE"],
    [42, "a Standard Schema or a map"],
  ])("a malformed schema option %j -> a TypeError that says what to pass", (schema, message) => {
    expect(() => createVerifier({ secret, schema: schema as never })).toThrow(message);
  });
});

describe("the callback type is discriminated by status", () => {
  it("narrows data to the schema's output for COMPLETE and to Beam's shapes otherwise", () => {
    expectTypeOf<InferCallback<typeof result>>().toEqualTypeOf<TaskCallback<{ result: number }>>();
    const check = (callback: TaskCallback<{ result: number }>) => {
      switch (callback.status) {
        case "COMPLETE":
          expectTypeOf(callback.data).toEqualTypeOf<{ result: number }>();
          break;
        case "ERROR":
          expectTypeOf(callback.data).toEqualTypeOf<{ error: string } | EmptyData>();
          expectTypeOf(callback.data.error).toEqualTypeOf<string>();
          break;
        case "CANCELLED":
        case "TIMEOUT":
          expectTypeOf(callback.data).toEqualTypeOf<EmptyData | null>();
          break;
        default:
          expectTypeOf(callback.status).toEqualTypeOf<"PENDING" | "RUNNING" | "EXPIRED" | "RETRY">();
          expectTypeOf(callback.data).toBeUnknown();
      }
    };
    expect(check).toBeTypeOf("function");
  });

  it("a schema map types the statuses it names and keeps Beam's shapes for the rest", () => {
    const schemas = { COMPLETE: result, ERROR: z.object({ error: z.string(), code: z.number() }) };
    type Callback = InferCallback<typeof schemas>;
    expectTypeOf<Extract<Callback, { status: "COMPLETE" }>["data"]>().toEqualTypeOf<{ result: number }>();
    expectTypeOf<Extract<Callback, { status: "ERROR" }>["data"]>().toEqualTypeOf<{ error: string; code: number }>();
    expectTypeOf<Extract<Callback, { status: "TIMEOUT" }>["data"]>().toEqualTypeOf<BeamData["TIMEOUT"]>();
    expectTypeOf<InferCallback<{ ERROR: typeof result }>>().toEqualTypeOf<
      TaskCallback<unknown, { ERROR: { result: number }; CANCELLED: EmptyData | null; TIMEOUT: EmptyData | null }>
    >();
  });

  it("without a schema, COMPLETE data is unknown and the others keep Beam's shapes", async () => {
    const callback = await createVerifier({ secret, now }).verify(
      await createTestCallback({ data: {}, secret, timestamp: T, status: "CANCELLED" }),
    );
    expectTypeOf(callback).toEqualTypeOf<TaskCallback>();
    if (callback.status === "CANCELLED") expectTypeOf(callback.data).toEqualTypeOf<EmptyData | null>();
    if (callback.status === "COMPLETE") expectTypeOf(callback.data).toBeUnknown();
    expect(callback.status).toBe("CANCELLED");
  });
});
