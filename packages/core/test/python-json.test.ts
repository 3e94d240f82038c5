import { describe, expect, it } from "vitest";
import { toPythonJson } from "../src/adapter.js";
import { createTestCallback } from "../src/index.js";
import { pythonFixture, rebuild } from "./python-fixtures.js";

const { secret, timestamp } = pythonFixture;
const expressible = pythonFixture.cases.filter((c) => c.expressible);
const bodyOnly = pythonFixture.cases.filter((c) => !c.expressible);

describe(`createTestCallback against bytes Python ${pythonFixture.python}'s json.dumps wrote`, () => {
  it.each(expressible.map((c) => [c.name, c] as const))("writes %s byte for byte", async (_, fixture) => {
    const callback = await createTestCallback({ data: rebuild(fixture.data), secret, timestamp });
    expect(callback.body).toBe(fixture.body);
    expect(callback.headers["X-Task-Signature"]).toBe(fixture.signature);
  });

  it.each(bodyOnly.map((c) => [c.name, c] as const))("sends %s as the exact body text", async (_, fixture) => {
    // No JavaScript value says this (1.0, integer-like keys after others): the data does not reproduce it...
    expect(toPythonJson({ data: rebuild(fixture.data) })).not.toBe(fixture.body);
    // ...so the body text goes as is, signed as Python signed it.
    const callback = await createTestCallback({ body: fixture.body, secret, timestamp });
    expect(callback.body).toBe(fixture.body);
    expect(callback.headers["X-Task-Signature"]).toBe(fixture.signature);
  });

  it("refuses data and body together", async () => {
    const both = { data: 1, body: '{"data": 1}', secret } as unknown as Parameters<typeof createTestCallback>[0];
    await expect(createTestCallback(both)).rejects.toThrow(/either `data` or the exact `body`/);
  });

  it("writes undefined data as null, as Beam writes a task that returned nothing", async () => {
    const callback = await createTestCallback({ data: undefined, secret, timestamp });
    expect(callback.body).toBe('{"data": null}');
  });
});

describe("toPythonJson: Python's float repr and int", () => {
  it.each([
    [1e-7, "1e-07"],
    [1e-5, "1e-05"],
    [0.0001, "0.0001"],
    [0.00012345, "0.00012345"],
    [-0, "-0.0"],
    [0, "0"],
    [1e16, "1e+16"],
    [9999999999999998, "9999999999999998.0"],
    [2 ** 53, "9007199254740992.0"],
    [2 ** 53 - 1, "9007199254740991"],
    [-(2 ** 53), "-9007199254740992.0"],
    [1e21, "1e+21"],
    [1.5e300, "1.5e+300"],
    [-1.5e-300, "-1.5e-300"],
    [5e-324, "5e-324"],
    [123.456, "123.456"],
    [-0.5, "-0.5"],
    [100, "100"],
  ])("writes %s as %s", (value, text) => {
    expect(toPythonJson(value)).toBe(text);
  });

  it("writes a bigint as its digits, anywhere", () => {
    expect(toPythonJson({ data: { id: 2n ** 64n, small: -3n } })).toBe(
      '{"data": {"id": 18446744073709551616, "small": -3}}',
    );
  });

  it("follows JSON.stringify for toJSON, boxed values and arrays, with undefined as null", () => {
    const when = new Date(Date.UTC(2026, 0, 2));
    const boxed = [Object(1.5), Object("s"), Object(true)];
    expect(toPythonJson({ when, boxed, gap: [undefined], missing: undefined })).toBe(
      '{"when": "2026-01-02T00:00:00.000Z", "boxed": [1.5, "s", true], "gap": [null], "missing": null}',
    );
    expect(toPythonJson(undefined)).toBe("null");
  });

  it("refuses what Beam never delivers, saying why", () => {
    expect(() => toPythonJson({ data: Number.NaN })).toThrow(/no callback is sent/);
    expect(() => toPythonJson({ data: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => toPythonJson({ data: () => 1 })).toThrow(/json.dumps fails/);
    expect(() => toPythonJson({ data: new Set([1]) })).toThrow(/Map or Set/);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => toPythonJson(cycle)).toThrow(/cycle/);
  });

  it("writes a value that appears twice (not a cycle) twice", () => {
    const shared = { a: 1 };
    expect(toPythonJson([shared, shared])).toBe('[{"a": 1}, {"a": 1}]');
  });
});
