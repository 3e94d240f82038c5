import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** A value as scripts/python-json-fixtures.py describes it, free of any JSON or decimal text. */
export type Described =
  | ["null"]
  | ["bool", boolean]
  | ["int", string]
  | ["float", string]
  | ["str", string]
  | ["list", Described[]]
  | ["dict", [Described, Described][]];

export interface PythonCase {
  name: string;
  /** False when no JavaScript value serializes to `body` (Python's 1.0, integer-like key order). */
  expressible: boolean;
  data: Described;
  /** `json.dumps({"data": data})`, written by Python. */
  body: string;
  /** Python's hmac over the body, with the file's secret and timestamp. */
  signature: string;
}

/** Bytes Python's json.dumps and hmac wrote (see scripts/python-json-fixtures.py). */
export const pythonFixture = JSON.parse(
  readFileSync(fileURLToPath(new URL("./fixtures/python-json-dumps.json", import.meta.url)), "utf8"),
) as { python: string; secret: string; timestamp: number; cases: PythonCase[] };

/**
 * Rebuilds the JavaScript value: floats from their IEEE-754 bits, ints within 2^53 as numbers
 * and beyond as `bigint`, strings from UTF-16 code units.
 */
export function rebuild(described: Described): unknown {
  switch (described[0]) {
    case "null":
      return null;
    case "bool":
      return described[1];
    case "int": {
      const big = BigInt(described[1]);
      const n = Number(big);
      return Number.isSafeInteger(n) ? n : big;
    }
    case "float": {
      const view = new DataView(new ArrayBuffer(8));
      view.setBigUint64(0, BigInt(`0x${described[1]}`));
      return view.getFloat64(0);
    }
    case "str": {
      const hex = described[1];
      let text = "";
      for (let i = 0; i < hex.length; i += 4) text += String.fromCharCode(Number.parseInt(hex.slice(i, i + 4), 16));
      return text;
    }
    case "list":
      return described[1].map(rebuild);
    case "dict": {
      const result: Record<string, unknown> = {};
      for (const [key, value] of described[1]) {
        Object.defineProperty(result, rebuild(key) as string, {
          value: rebuild(value),
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
      return result;
    }
  }
}
