/**
 * What happens to an integer literal outside ±`Number.MAX_SAFE_INTEGER` (Python writes
 * `time.time_ns()` and int64 ids exactly): `"number"` rounds it like `JSON.parse`;
 * `"bigint"` keeps it as a `bigint`; `"string"` keeps its decimal text. Every other number,
 * and every integer within the safe range, stays a `number` whatever the option.
 */
export type LargeIntegers = "number" | "bigint" | "string";

/** What an integer outside the safe range becomes under each {@link LargeIntegers} option. */
export type LargeInteger<L extends LargeIntegers> = L extends "bigint" ? bigint : L extends "string" ? string : number;

/**
 * A parsed JSON value under a {@link LargeIntegers} option: numbers are `number`, except
 * integers beyond 2^53 that the option keeps exact.
 */
export type JsonValue<L extends LargeIntegers = "number"> =
  | null
  | boolean
  | number
  | LargeInteger<L>
  | string
  | JsonValue<L>[]
  | { [key: string]: JsonValue<L> };

const largeIntegerOptions: readonly string[] = ["number", "bigint", "string"];

/** Checks the option, with a TypeError naming the accepted values. */
export function checkLargeIntegers(value: LargeIntegers | undefined): LargeIntegers {
  if (value === undefined) return "number";
  if (!largeIntegerOptions.includes(value)) {
    throw new TypeError(`taskhook: \`largeIntegers\` must be "number", "bigint" or "string"; got ${String(value)}.`);
  }
  return value;
}

/**
 * `JSON.parse`, keeping every digit of integers beyond ±2^53 when asked. The default path is
 * `JSON.parse` alone. Otherwise `JSON.parse` still runs first, so invalid text fails with its
 * usual message, and text without a 16-digit integer (no unsafe one can hide there) costs
 * nothing more; only text with one is parsed a second time by the exact reader below.
 */
export function parseJson(text: string, largeIntegers: LargeIntegers): unknown {
  const value: unknown = JSON.parse(text);
  if (largeIntegers === "number" || !sixteenDigits.test(text)) return value;
  try {
    return new ExactReader(text, largeIntegers).read();
  } catch (error) {
    // Deeper than the reader follows: the caller's depth limit refuses this value anyway.
    if (error === tooDeep) return value;
    throw error;
  }
}

// A run of 16+ digits neither after a digit or "." nor before a digit, ".", "e" or "E": where an
// unsafe integer literal can be (a float's fraction, like 0.14285714285714285, is not one).
const sixteenDigits = /(?<![0-9.])[0-9]{16,}(?![0-9.eE])/;
const numberToken = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
/** Beyond Python's own nesting limit (1,000) with room for the envelope; keeps recursion shallow. */
const MAX_READ_DEPTH = 1100;
const tooDeep = new Error("taskhook: JSON nested too deep for the exact reader");

/** A recursive-descent reader for text `JSON.parse` has already accepted. */
class ExactReader {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly mode: "bigint" | "string",
  ) {}

  read(): unknown {
    return this.value();
  }

  private value(): unknown {
    this.skipSpace();
    const c = this.text.charCodeAt(this.i);
    if (c === 123) return this.object();
    if (c === 91) return this.array();
    if (c === 34) return this.string();
    if (c === 116) return this.literal(4, true);
    if (c === 102) return this.literal(5, false);
    if (c === 110) return this.literal(4, null);
    return this.number();
  }

  private object(): Record<string, unknown> {
    this.enter();
    const result: Record<string, unknown> = {};
    this.i++;
    this.skipSpace();
    if (this.text.charCodeAt(this.i) === 125) {
      this.i++;
      return this.leave(result);
    }
    for (;;) {
      this.skipSpace();
      const key = this.string();
      this.skipSpace();
      this.i++; // ":"
      const item = this.value();
      // Like JSON.parse: "__proto__" becomes an own property, never the prototype.
      if (key === "__proto__") {
        Object.defineProperty(result, key, { value: item, writable: true, enumerable: true, configurable: true });
      } else {
        result[key] = item;
      }
      this.skipSpace();
      if (this.text.charCodeAt(this.i++) === 125) return this.leave(result);
    }
  }

  private array(): unknown[] {
    this.enter();
    const result: unknown[] = [];
    this.i++;
    this.skipSpace();
    if (this.text.charCodeAt(this.i) === 93) {
      this.i++;
      return this.leave(result);
    }
    for (;;) {
      result.push(this.value());
      this.skipSpace();
      if (this.text.charCodeAt(this.i++) === 93) return this.leave(result);
    }
  }

  private string(): string {
    const start = this.i;
    let escaped = false;
    let i = start + 1;
    for (;;) {
      const c = this.text.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        i++;
      }
      i++;
    }
    this.i = i + 1;
    return escaped ? (JSON.parse(this.text.slice(start, i + 1)) as string) : this.text.slice(start + 1, i);
  }

  private number(): number | bigint | string {
    numberToken.lastIndex = this.i;
    const match = numberToken.exec(this.text) as RegExpExecArray;
    const token = match[0];
    this.i += token.length;
    const number = Number(token);
    if (match[1] !== undefined || match[2] !== undefined || Number.isSafeInteger(number)) return number;
    return this.mode === "bigint" ? BigInt(token) : token;
  }

  private literal<T>(length: number, value: T): T {
    this.i += length;
    return value;
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.i);
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return;
      this.i++;
    }
  }

  private enter(): void {
    if (++this.depth > MAX_READ_DEPTH) throw tooDeep;
  }

  private leave<T>(result: T): T {
    this.depth--;
    return result;
  }
}
