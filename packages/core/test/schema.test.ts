import { type } from "arktype";
import * as v from "valibot";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { createTestCallback, createVerifier, type TaskCallback } from "../src/index.js";

const secret = "sk_schema";
const T = 1_764_230_400;
const now = () => T * 1000;

describe("schema (Standard Schema)", () => {
  const zodSchema = z.object({ result: z.number(), label: z.string().default("none") });

  it("validates data and types the result (zod)", async () => {
    const cb = await createTestCallback({ data: { result: 10 }, secret, timestamp: T });
    const callback = await createVerifier({ secret, now, schema: zodSchema }).verify(cb);
    expectTypeOf(callback).toEqualTypeOf<TaskCallback<{ result: number; label: string }>>();
    expect(callback.data).toEqual({ result: 10, label: "none" });
  });

  it("works with valibot and arktype too", async () => {
    const cb = await createTestCallback({ data: { result: 10 }, secret, timestamp: T });
    const fromValibot = await createVerifier({ secret, now, schema: v.object({ result: v.number() }) }).verify(cb);
    expectTypeOf(fromValibot).toEqualTypeOf<TaskCallback<{ result: number }>>();
    const fromArktype = await createVerifier({ secret, now, schema: type({ result: "number" }) }).verify(cb);
    expectTypeOf(fromArktype).toEqualTypeOf<TaskCallback<{ result: number }>>();
    expect([fromValibot.data, fromArktype.data]).toEqual([{ result: 10 }, { result: 10 }]);
  });

  it("answers INVALID_BODY with the failing paths", async () => {
    const cb = await createTestCallback({ data: { result: "ten" }, secret, timestamp: T });
    const error = await createVerifier({ secret, now, schema: zodSchema })
      .verify(cb)
      .catch((e) => e);
    expect(error).toMatchObject({ code: "INVALID_BODY", status: 400 });
    expect(error.message).toContain("data.result");
  });

  it("answers INVALID_BODY when the schema itself throws", async () => {
    const cb = await createTestCallback({ data: { result: 1 }, secret, timestamp: T });
    const throwing = {
      "~standard": {
        version: 1 as const,
        vendor: "test",
        validate: () => {
          throw new RangeError("Maximum call stack size exceeded");
        },
      },
    };
    await expect(createVerifier({ secret, now, schema: throwing }).verify(cb)).rejects.toMatchObject({
      code: "INVALID_BODY",
    });
  });

  it("leaves data unknown without a schema", async () => {
    const cb = await createTestCallback({ data: 1, secret, timestamp: T });
    const callback = await createVerifier({ secret, now }).verify(cb);
    expectTypeOf(callback.data).toBeUnknown();
  });
});
