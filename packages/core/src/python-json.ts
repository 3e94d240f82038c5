/**
 * Serializes exactly like Python's `json.dumps` with default arguments, which is what Beam's
 * runner writes: `", "` and `": "` separators; every character outside printable ASCII as a
 * lower-case `\uXXXX` escape (UTF-16 code units, so astral characters become surrogate pairs);
 * integral numbers below 2^53 as integers; other numbers (fractions, `-0`, integral values at
 * or beyond 2^53) as Python's float `repr` (`1e-07`, `0.0001`, `1e+16`, `-0.0`); a `bigint` as its
 * digits; `undefined` as `null`, since Python's only "nothing" is `None`. Keys keep
 * JavaScript's own order, `toJSON` is honoured, boxed primitives are unwrapped.
 *
 * Throws a `TypeError` for what Beam never delivers: NaN and Infinity (signed, then refused by
 * its HTTP client), functions, symbols, `Map`, `Set` and cycles (`json.dumps` cannot write
 * them, so no callback is sent).
 *
 * @example
 * ```ts
 * toPythonJson({ data: { caption: "café", tiny: 1e-7, id: 2n ** 63n } });
 * // '{"data": {"caption": "caf\\u00e9", "tiny": 1e-07, "id": 9223372036854775808}}'
 * ```
 */
export function toPythonJson(value: unknown): string {
  return write(value, "", new Set());
}

function write(value: unknown, key: string, seen: Set<object>): string {
  if (typeof value === "object" && value !== null && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    value = (value as { toJSON(key: string): unknown }).toJSON(key);
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean) value = value.valueOf();
  switch (typeof value) {
    case "undefined":
      return "null";
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return pythonNumber(value);
    case "bigint":
      return value.toString();
    case "string":
      return pythonString(value);
    case "object":
      return value === null ? "null" : writeContainer(value, seen);
    default:
      throw new TypeError(
        `taskhook: a ${typeof value} cannot be written as JSON; Python's json.dumps fails on it, so Beam sends no callback.`,
      );
  }
}

function writeContainer(value: object, seen: Set<object>): string {
  if (value instanceof Map || value instanceof Set) {
    throw new TypeError(
      "taskhook: a Map or Set cannot be written as JSON; Python's json.dumps fails on sets, so Beam sends no callback. Pass an object or an array.",
    );
  }
  if (seen.has(value)) throw new TypeError("taskhook: the value contains a cycle and cannot be written as JSON.");
  seen.add(value);
  let out: string;
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (let i = 0; i < value.length; i++) items.push(write(value[i], String(i), seen));
    out = `[${items.join(", ")}]`;
  } else {
    const members: string[] = [];
    const record = value as Record<string, unknown>;
    for (const name of Object.keys(record)) members.push(`${pythonString(name)}: ${write(record[name], name, seen)}`);
    out = `{${members.join(", ")}}`;
  }
  seen.delete(value);
  return out;
}

const TWO_TO_53 = 2 ** 53;

/** An integer as Python's `int` would print it, anything else as Python's float `repr`. */
function pythonNumber(value: number): string {
  if (!Number.isFinite(value)) {
    throw new TypeError(
      `taskhook: ${value} cannot be written as JSON; Beam signs it, then its HTTP client refuses the body, so no callback is sent.`,
    );
  }
  if (Number.isInteger(value) && Math.abs(value) < TWO_TO_53 && !Object.is(value, -0)) return String(value);
  return pythonFloatRepr(value);
}

/**
 * Python's `repr(float)`: the shortest digits that round-trip (which JavaScript's own
 * formatting also picks), in fixed notation when 1e-4 <= |x| < 1e16 (with `.0` when there is
 * no fraction), else `d.ddde+XX` with at least two exponent digits.
 */
function pythonFloatRepr(value: number): string {
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  const exponential = Math.abs(value).toExponential(); // "1.2345e+20": shortest round-trip digits
  const e = exponential.indexOf("e");
  const mantissa = exponential.slice(0, e);
  const exponent = Number(exponential.slice(e + 1));
  const digits = mantissa.replace(".", "");
  // Python's decimal point position: value = 0.<digits> * 10^point.
  const point = exponent + 1;
  if (value !== 0 && (point <= -4 || point > 16)) {
    const magnitude = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${magnitude}`;
  }
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

const shortEscapes: Record<number, string> = {
  8: "\\b",
  9: "\\t",
  10: "\\n",
  12: "\\f",
  13: "\\r",
  34: '\\"',
  92: "\\\\",
};

/** A string as `json.dumps` writes it with `ensure_ascii`: only 0x20-0x7E stay as they are. */
function pythonString(text: string): string {
  let out = '"';
  let runStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 34 && c !== 92) continue;
    out += text.slice(runStart, i) + (shortEscapes[c] ?? `\\u${c.toString(16).padStart(4, "0")}`);
    runStart = i + 1;
  }
  return `${out}${text.slice(runStart)}"`;
}
