import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkLargeIntegers, parseJson } from "../src/json-integers.js";
import { toPythonJson } from "../src/python-json.js";

const pythonInts = '{"data": {"id": 9007199254740993, "ns": 1764230400123456789, "neg": -18446744073709551616}}';

describe("parseJson", () => {
  it('keeps JSON.parse\'s rounding with "number"', () => {
    expect(parseJson(pythonInts, "number")).toEqual(JSON.parse(pythonInts));
  });

  it("keeps every digit of integers beyond 2^53 as bigint or as text", () => {
    expect(parseJson(pythonInts, "bigint")).toEqual({
      data: { id: 9007199254740993n, ns: 1764230400123456789n, neg: -18446744073709551616n },
    });
    expect(parseJson(pythonInts, "string")).toEqual({
      data: { id: "9007199254740993", ns: "1764230400123456789", neg: "-18446744073709551616" },
    });
  });

  it("leaves every other number a number", () => {
    const text =
      '[9007199254740991, -9007199254740991, 9007199254740992, 1e+16, 12345678901234567.5, 1234567890123456789e0, -0, 0.1, "12345678901234567890"]';
    const parsed = parseJson(text, "bigint") as unknown[];
    expect(parsed).toEqual([
      9007199254740991,
      -9007199254740991,
      9007199254740992n,
      1e16,
      Number("12345678901234567.5"),
      Number("1234567890123456789e0"),
      -0,
      0.1,
      "12345678901234567890",
    ]);
    expect(Object.is(parsed[6], -0)).toBe(true);
  });

  it("reads like JSON.parse: escapes, whitespace, duplicate keys, __proto__ as an own key", () => {
    const text =
      ' {\n\t"a\\u00e9\\"" : [ "x\\\\y" , true,false , null ] ,"a": 1, "__proto__": {"polluted": 12345678901234567890} }\r\n';
    const parsed = parseJson(text, "bigint") as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['aé"', "a", "__proto__"]);
    expect(parsed['aé"']).toEqual(["x\\y", true, false, null]);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(parsed, "__proto__")?.value).toEqual({ polluted: 12345678901234567890n });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("fails on invalid text with JSON.parse's own error", () => {
    expect(() => parseJson("[12345678901234567890", "bigint")).toThrow(SyntaxError);
  });

  it("hands back JSON.parse's value when nesting is deeper than any callback (the depth limit refuses it)", () => {
    const deep = `${"[".repeat(5000)}12345678901234567890${"]".repeat(5000)}`;
    expect(() => parseJson(deep, "bigint")).not.toThrow();
  });

  it("agrees with the writer on any JSON holding integers of any size", () => {
    const big = fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.jsonValue({ maxDepth: 3 }), big), { maxLength: 5 }), (pairs) => {
        const text = toPythonJson(pairs);
        const exact = (mode: "bigint" | "string") =>
          pairs.map(([json, n]) => [
            json,
            Number.isSafeInteger(Number(n)) ? Number(n) : mode === "bigint" ? n : String(n),
          ]);
        expect(parseJson(text, "bigint")).toEqual(exact("bigint"));
        expect(parseJson(text, "string")).toEqual(exact("string"));
      }),
      { numRuns: 300 },
    );
  });

  it("reads any JSON text as JSON.parse does", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(undefined, 2, "\t"), (json, indent) => {
        // The 16-digit string makes the exact reader run.
        const text = JSON.stringify([json, "1234567890123456"], null, indent);
        // JSON.stringify wrote each number as String(n): an unsafe one without an exponent is an integer literal.
        const unsafeLiteral = (v: unknown) =>
          typeof v === "number" && Number.isInteger(v) && !Number.isSafeInteger(v) && !String(v).includes("e");
        expect(parseJson(text, "bigint")).toEqual(
          JSON.parse(text, (_, v) => (unsafeLiteral(v) ? BigInt(String(v)) : v)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("checks the option", () => {
    expect(checkLargeIntegers(undefined)).toBe("number");
    expect(() => checkLargeIntegers("BigInt" as never)).toThrow(/"number", "bigint" or "string"/);
  });
});
