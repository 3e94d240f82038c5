import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CallbackRequest, CallbackResponse, HeadersInput } from "../src/adapter.js";
import { beamFormats, taskStatuses } from "../src/beam.js";
import {
  attempt,
  core,
  counting,
  describeError,
  guarded,
  note,
  reportWhenCounting,
  runsOf,
  seedOf,
  show,
  tally,
  targetName,
  timeout,
  violation,
} from "./fuzz-harness.js";

// Properties of verification and the pipeline over generated input; the bookkeeping (CI runs
// versus the long fuzz run, counting, reports) is in fuzz-harness.ts.
reportWhenCounting();

// ---------------------------------------------------------------------------------------------
// Generators.

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Text = (bytes: Uint8Array) => {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
};
const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Any UTF-16 code unit, lone surrogates included: what a JS string can really hold. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const anyText = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: codeUnit, maxLength }),
    fc.string({ unit: "binary", maxLength }),
    fc.string({ maxLength }),
  );

/**
 * HMAC pads a key of up to 64 bytes with zeros, so "k" and "k\0" are the same key. Keys in
 * one verifier are kept distinct by this identity, so which one matched is well defined.
 */
function hmacKeyId(key: string): string {
  let bytes = utf8.encode(key);
  if (bytes.length <= 64) {
    let end = bytes.length;
    while (end > 0 && bytes[end - 1] === 0) end--;
    bytes = bytes.subarray(0, end);
  }
  return toHex(bytes);
}

const base64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const keyArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.string({ unit: fc.constantFrom(...base64Chars), minLength: 16, maxLength: 48 }).map((s) => `sk_${s}`),
  },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 }) },
  // Around and past HMAC's 64-byte block, where the key is hashed first.
  { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", minLength: 60, maxLength: 140 }) },
);
const keysArb = fc.uniqueArray(keyArb, { minLength: 1, maxLength: 3, selector: hmacKeyId });

const timestampArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1_600_000_000, max: 2_100_000_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 999_999_999_999 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 9, 10, 999_999_999_999) },
);
const toleranceArb = fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 3600 }));
const taskIdArb = fc.oneof(fc.uuid(), fc.stringMatching(beamFormats.taskId));
const statusArb = fc.oneof(fc.constantFrom(...taskStatuses), fc.stringMatching(beamFormats.status));

/** Object keys that prototype-pollution payloads use. */
const dangerousKey = fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "polluted");
const jsonData = fc.oneof(
  fc.jsonValue({ maxDepth: 4, stringUnit: "binary" }),
  fc.jsonValue({ maxDepth: 3, stringUnit: "grapheme" }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(dangerousKey, fc.jsonValue({ maxDepth: 2 }), { noNullPrototype: false }),
  fc.constantFrom<unknown>({}, { result: 10 }, { caption: "東京 café 🐱" }, null, [], ""),
);

/** A JSON callback body `{"data": ...}` written as Beam writes it, or as another writer might. */
const jsonBodyArb = fc
  .tuple(jsonData, fc.constantFrom("python", "compact", "pretty", "tabs", "padded", "siblings"))
  .map(([data, style]) => {
    const payload = { data };
    const text =
      style === "python"
        ? core.toPythonJson(payload)
        : style === "compact"
          ? JSON.stringify(payload)
          : style === "pretty"
            ? JSON.stringify(payload, null, 2)
            : style === "tabs"
              ? JSON.stringify(payload, null, "\t")
              : style === "padded"
                ? ` \n\t${core.toPythonJson(payload)}\r\n `
                : `{"id": "x", "data": ${JSON.stringify(data)}, "meta": {"data": 1}}`;
    // JSON.parse is the reference: Python's writer keeps -0 as -0.0, JSON.stringify writes 0.
    return { body: text, contentType: "application/json", expected: { data: JSON.parse(text).data as unknown } };
  });

const formContentType = fc
  .tuple(
    fc.constantFrom("application/x-www-form-urlencoded", "Application/X-WWW-Form-URLEncoded"),
    fc.constantFrom("", "; charset=utf-8", " ;charset=UTF-8"),
  )
  .map(([type, params]) => type + params);

/** A form body whose `data` field is JSON text (decoded) or any other text (kept as is). */
const formBodyArb = fc
  .tuple(
    fc.oneof(
      fc.json({ maxDepth: 3 }),
      anyText(60).map((s) => s.replace(/[\uD800-\uDFFF]/g, "?")),
    ),
    fc.array(
      fc.tuple(
        fc.string({ maxLength: 8 }).filter((k) => k !== "data"),
        fc.string({ maxLength: 8 }),
      ),
      { maxLength: 3 },
    ),
    fc.boolean(),
    formContentType,
  )
  .map(([value, extra, percent, contentType]) => {
    const fields: [string, string][] = [...extra, ["data", value], ...extra.slice(1)];
    const body = percent
      ? fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")
      : new URLSearchParams(fields).toString();
    let data: unknown;
    try {
      data = JSON.parse(value);
    } catch {
      data = value;
    }
    return { body, contentType, expected: { data } };
  });

/**
 * What the verifier must make of signed bytes, from the protocol: strict UTF-8, then a JSON
 * object's own `data` field. Anything else is INVALID_BODY, after the signature was accepted.
 */
function expectedFromBytes(bytes: Uint8Array): { data: unknown } | undefined {
  try {
    const payload: unknown = JSON.parse(strictUtf8.decode(bytes));
    if (typeof payload === "object" && payload !== null && !Array.isArray(payload) && Object.hasOwn(payload, "data")) {
      return { data: (payload as { data: unknown }).data };
    }
  } catch {}
  return undefined;
}

/** Arbitrary bytes and text, valid JSON callbacks only by chance. */
const rawBodyArb = fc
  .tuple(
    fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      fc.string({ unit: codeUnit, maxLength: 200 }),
      fc.tuple(fc.json({ maxDepth: 2 }), fc.uint8Array({ maxLength: 4 })).map(([json, tail]) => {
        const head = utf8.encode(`{"data": ${json}`);
        const out = new Uint8Array(head.length + tail.length);
        out.set(head);
        out.set(tail, head.length);
        return out;
      }),
      fc.constantFrom(
        "",
        '\uFEFF{"data": 1}',
        '{"data": 1, "data": 2}',
        '{"Data": 1}',
        '[{"data": 1}]',
        "null",
        '"data"',
      ),
    ),
    fc.constantFrom(undefined, "application/json", "application/json; charset=utf-8", "text/plain"),
  )
  .map(([body, contentType]) => {
    const expected = expectedFromBytes(typeof body === "string" ? utf8.encode(body) : body);
    return { body, contentType, expected };
  });

const shapeArb = fc.constantFrom("lower", "canonical", "upper", "mixed", "arrays", "null-proto", "headers", "getter");
type Shape = typeof shapeArb extends fc.Arbitrary<infer S> ? S : never;

/** The same header set in each shape a server may hand over. */
function shapeHeaders(
  entries: [string, string | string[] | number | undefined | null][],
  shape: Shape,
  salt: number,
): HeadersInput {
  const name = (n: string, i: number) =>
    shape === "lower"
      ? n.toLowerCase()
      : shape === "upper"
        ? n.toUpperCase()
        : shape === "mixed"
          ? Array.from(n, (c, j) => (((salt >> ((i + j) % 30)) & 1) === 1 ? c.toUpperCase() : c.toLowerCase())).join("")
          : n;
  if (shape === "headers" || shape === "getter") {
    const headers = new Headers();
    for (const [n, v] of entries) {
      for (const value of Array.isArray(v) ? v : v == null ? [] : [String(v)]) {
        try {
          headers.append(n, value);
        } catch {
          // Headers refuses names and values no HTTP parser would deliver.
        }
      }
    }
    return shape === "headers" ? headers : { get: (n: string) => headers.get(n) };
  }
  const record: Record<string, unknown> = shape === "null-proto" ? Object.create(null) : {};
  entries.forEach(([n, v], i) => {
    const value = shape === "arrays" && typeof v === "string" ? [v] : v;
    Object.defineProperty(record, name(n, i), { value, enumerable: true, writable: true, configurable: true });
  });
  return record as HeadersInput;
}

/** The body in each form the API accepts: text, bytes, a view into a larger buffer, an ArrayBuffer, a Buffer. */
const bodyFormArb = fc.constantFrom("bytes", "text", "view", "arraybuffer", "buffer");
function asBody(body: Uint8Array | string, form: string): Uint8Array | ArrayBuffer | string {
  if (form === "text" && typeof body === "string") return body;
  const bytes = typeof body === "string" ? utf8.encode(body) : body;
  if (form === "view") {
    const padded = new Uint8Array(bytes.length + 7).fill(0x41);
    padded.set(bytes, 3);
    return padded.subarray(3, 3 + bytes.length);
  }
  if (form === "arraybuffer") return bytes.slice().buffer;
  if (form === "buffer") return Buffer.from(bytes);
  return bytes;
}

const signedCaseArb = fc.record({
  keys: keysArb,
  signer: fc.nat(),
  asArray: fc.boolean(),
  timestamp: timestampArb,
  tolerance: toleranceArb,
  skew: fc.double({ min: -1, max: 1, noNaN: true }),
  millis: fc.integer({ min: 0, max: 999 }),
  taskId: taskIdArb,
  status: statusArb,
  shape: shapeArb,
  salt: fc.nat(),
  noise: fc.array(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), fc.string({ maxLength: 20 })), {
    maxLength: 3,
  }),
  signatureCase: fc.constantFrom("lower", "lower", "upper", "mixed"),
  bodyForm: bodyFormArb,
});
type SignedCase = typeof signedCaseArb extends fc.Arbitrary<infer C> ? C : never;

function caseClock(c: SignedCase) {
  const tolerance = c.tolerance ?? 60;
  const skew = Math.round(c.skew * tolerance);
  return { tolerance, now: () => (c.timestamp + skew) * 1000 + c.millis };
}

const ours = new Set([
  "x-task-id",
  "x-task-status",
  "x-task-timestamp",
  "x-task-signature",
  "content-type",
  "content-encoding",
  "content-length",
]);

function buildRequest(
  c: SignedCase,
  body: Uint8Array | string,
  contentType: string | undefined,
  signature: string,
  timestamp: string,
) {
  const entries: [string, string][] = [
    ["X-Task-ID", c.taskId],
    ["X-Task-Status", c.status],
    ["X-Task-Timestamp", timestamp],
    ["X-Task-Signature", signature],
  ];
  if (contentType !== undefined) entries.push(["Content-Type", contentType]);
  const ourCount = entries.length;
  for (const [n, v] of c.noise) if (!ours.has(n)) entries.push([n, v]);
  let headers = shapeHeaders(entries, c.shape, c.salt);
  // A value that Headers refuses or trims (a changed byte may be a NUL or a trailing space)
  // never reaches a Headers-based server as sent; such a request goes as a record instead.
  const reader = headers as { get?: (name: string) => string | null };
  if (reader.get !== undefined && entries.slice(0, ourCount).some(([n, v]) => reader.get?.(n) !== v)) {
    headers = shapeHeaders(entries, "lower", c.salt);
  }
  return { headers, body: asBody(body, c.bodyForm) };
}

function caseSignature(hex: string, c: SignedCase): string {
  if (c.signatureCase === "upper") return hex.toUpperCase();
  if (c.signatureCase === "mixed")
    return Array.from(hex, (ch, i) => (((c.salt >> (i % 30)) & 1) === 1 ? ch.toUpperCase() : ch)).join("");
  return hex;
}

// ---------------------------------------------------------------------------------------------
// (a) sign, then verify: accepted with equal data.

describe(`properties (${targetName})`, () => {
  it(
    "(a) a signed callback is accepted with equal data, for any body, key and timestamp",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          signedCaseArb,
          fc.oneof({ weight: 3, arbitrary: jsonBodyArb }, formBodyArb, rawBodyArb),
          async (c, b) =>
            guarded(async () => {
              const signerIndex = c.signer % c.keys.length;
              const key = c.keys[signerIndex]!;
              const { tolerance, now } = caseClock(c);
              const signed = await core.signCallback({ body: b.body, secret: key, timestamp: c.timestamp });
              const signature = caseSignature(signed["X-Task-Signature"], c);
              const input = buildRequest(c, b.body, b.contentType, signature, signed["X-Task-Timestamp"]);
              const secret = c.asArray || c.keys.length > 1 ? c.keys : key;
              const verifier = core.createVerifier({
                secret,
                now,
                ...(c.tolerance === undefined ? {} : { toleranceSeconds: tolerance }),
              });
              const context = () => `case ${show(c)} body ${show(b)}`;
              const outcome = await attempt("a", verifier, input, context);
              if (outcome === undefined) return;
              if (b.expected === undefined) {
                if ("accepted" in outcome) violation("wrong", `accepted a body that is not a callback: ${context()}`);
                else if (outcome.code !== "INVALID_BODY")
                  violation("wrong", `${outcome.code} instead of INVALID_BODY: ${context()}`);
                return;
              }
              if (!("accepted" in outcome))
                return violation("wrong", `rejected a signed callback with ${outcome.code}: ${context()}`);
              const cb = outcome.accepted;
              const bytes = typeof b.body === "string" ? utf8.encode(b.body) : b.body;
              const problems = [
                !isDeepStrictEqual(cb.data, b.expected.data) && `data ${show(cb.data)}`,
                cb.taskId !== c.taskId && "taskId",
                cb.status !== c.status && "status",
                cb.timestamp !== c.timestamp && "timestamp",
                cb.secretIndex !== signerIndex && `secretIndex ${cb.secretIndex}`,
                cb.signature !== signed["X-Task-Signature"] && "signature",
                !isDeepStrictEqual(new Uint8Array(cb.body), new Uint8Array(bytes)) && "body",
              ].filter(Boolean);
              if (problems.length > 0) violation("wrong", `accepted with wrong ${problems.join(", ")}: ${context()}`);
            }),
        ),
        { numRuns: runsOf("roundTrip"), ...seedOf("roundTrip") },
      );
    },
    timeout,
  );

  // -------------------------------------------------------------------------------------------
  // (b) one changed byte anywhere: rejected, never accepted.

  const mutationArb = fc.oneof(
    fc.record({ part: fc.constant("body" as const), index: fc.nat(), delta: fc.integer({ min: 1, max: 255 }) }),
    fc.record({
      part: fc.constant("body-length" as const),
      index: fc.nat(),
      insert: fc.boolean(),
      byte: fc.integer({ min: 0, max: 255 }),
    }),
    fc.record({
      part: fc.constant("signature-char" as const),
      index: fc.integer({ min: 0, max: 63 }),
      // A case flip of the same digit is the same signature: generated on purpose, and accepted.
      replacement: fc.oneof(fc.constant("flip"), fc.constantFrom(..."0123456789abcdefABCDEF"), codeUnit),
    }),
    fc.record({
      part: fc.constant("signature-byte" as const),
      index: fc.integer({ min: 0, max: 31 }),
      delta: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({
      part: fc.constant("timestamp" as const),
      index: fc.nat(),
      replacement: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(..."0123456789") }, codeUnit),
    }),
    fc.record({ part: fc.constant("key" as const), index: fc.nat(), delta: fc.integer({ min: 1, max: 255 }) }),
  );

  /** Changes one byte of the key's UTF-8 to the nearest value (from `delta` on) that keeps it a valid string. */
  function mutateKey(key: string, index: number, delta: number): string {
    const bytes = utf8.encode(key);
    const i = index % bytes.length;
    for (let step = 0; step < 255; step++) {
      const copy = bytes.slice();
      copy[i] = (bytes[i]! + delta + step) % 256;
      if (copy[i] === bytes[i]) continue;
      try {
        return strictUtf8.decode(copy);
      } catch {}
    }
    throw new Error("unreachable: every UTF-8 byte has another valid value");
  }

  const timestampPattern = /^(?:0|[1-9][0-9]{0,11})$/;

  it(
    "(b) a change to one byte of body, signature, timestamp or key is rejected, never accepted",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          signedCaseArb,
          fc.oneof(jsonBodyArb, rawBodyArb),
          mutationArb,
          fc.boolean(),
          async (c, b, m, wideWindow) =>
            guarded(async () => {
              const signerIndex = c.signer % c.keys.length;
              const key = c.keys[signerIndex]!;
              const clock = caseClock(c);
              // A window wide enough for any timestamp, so changed timestamps reach the signature check.
              const toleranceSeconds = wideWindow ? 1e13 : clock.tolerance;
              const signed = await core.signCallback({ body: b.body, secret: key, timestamp: c.timestamp });
              let bytes = typeof b.body === "string" ? utf8.encode(b.body) : b.body.slice();
              let signature = caseSignature(signed["X-Task-Signature"], c);
              let timestamp = signed["X-Task-Timestamp"];
              let keys = c.keys;
              // INVALID_SIGNATURE unless said otherwise below; undefined means "must be accepted".
              let expected: string | undefined = "INVALID_SIGNATURE";
              if (m.part === "body" && bytes.length > 0) {
                const i = m.index % bytes.length;
                bytes[i] = bytes[i]! ^ m.delta;
              } else if (m.part === "body" || m.part === "body-length") {
                // An empty body has no byte to change: a byte is added instead, as in a length change.
                const add = m.part === "body" || m.insert || bytes.length === 0;
                const i = m.index % (add ? bytes.length + 1 : bytes.length);
                const added = add ? [m.part === "body" ? m.delta : m.byte] : [];
                bytes = Uint8Array.from([...bytes.subarray(0, i), ...added, ...bytes.subarray(add ? i : i + 1)]);
              } else if (m.part === "signature-char") {
                const old = signature[m.index]!;
                const next =
                  m.replacement === "flip"
                    ? old === old.toLowerCase()
                      ? old.toUpperCase()
                      : old.toLowerCase()
                    : m.replacement;
                signature = signature.slice(0, m.index) + next + signature.slice(m.index + 1);
                if (next.toLowerCase() === old.toLowerCase() && /^[0-9a-f]$/i.test(next)) expected = undefined;
              } else if (m.part === "signature-byte") {
                const digest = Uint8Array.from(signed["X-Task-Signature"].match(/../g)!, (h) => Number.parseInt(h, 16));
                digest[m.index] = digest[m.index]! ^ m.delta;
                signature = caseSignature(toHex(digest), c);
              } else if (m.part === "timestamp") {
                const i = m.index % timestamp.length;
                if (timestamp[i] === m.replacement) return; // not a change
                timestamp = timestamp.slice(0, i) + m.replacement + timestamp.slice(i + 1);
                const age = Math.floor(clock.now() / 1000) - Number(timestamp);
                expected = !timestampPattern.test(timestamp)
                  ? "INVALID_HEADER"
                  : age > toleranceSeconds
                    ? "TIMESTAMP_EXPIRED"
                    : -age > toleranceSeconds
                      ? "TIMESTAMP_IN_FUTURE"
                      : "INVALID_SIGNATURE";
              } else {
                keys = c.keys.with(signerIndex, mutateKey(key, m.index, m.delta));
              }
              const input = buildRequest(c, bytes, b.contentType, signature, timestamp);
              const verifier = core.createVerifier({ secret: keys, now: clock.now, toleranceSeconds });
              const context = () =>
                `mutation ${show(m)} -> sig ${signature} ts ${show(timestamp)}, case ${show(c)} body ${show(b)}`;
              const outcome = await attempt(`b ${m.part}`, verifier, input, context);
              if (outcome === undefined) return;
              if (expected === undefined) {
                const ok = "accepted" in outcome || outcome.code === "INVALID_BODY";
                if (!ok)
                  violation("wrong", `a case flip of a hex digit was rejected with ${outcome.code}: ${context()}`);
              } else if ("accepted" in outcome) {
                violation("forgeries", `accepted a changed callback: ${context()}`);
              } else if (outcome.code !== expected) {
                violation("wrong", `${outcome.code} instead of ${expected}: ${context()}`);
              }
            }),
        ),
        { numRuns: runsOf("tamper"), ...seedOf("tamper") },
      );
    },
    timeout,
  );

  // -------------------------------------------------------------------------------------------
  // (c) garbage anywhere: only ever a TaskCallbackError, and Object.prototype untouched.

  const KEY = "sk_fuzz_0123456789";
  const NOW = 1_764_230_400;
  const deep = 100_000;
  const hostileBodies = [
    '{"__proto__": {"polluted": "yes"}, "data": {"__proto__": {"polluted": "yes"}}}',
    '{"data": {"constructor": {"prototype": {"polluted": "yes"}}}}',
    '{"constructor": {"prototype": {"polluted": "yes"}}, "prototype": {"polluted": "yes"}, "data": 1}',
    '{"data": [{"__proto__": null}, {"__proto__": []}]}',
    `data=${encodeURIComponent('{"__proto__": {"polluted": "yes"}}')}`,
    "__proto__[polluted]=yes&data[__proto__][polluted]=yes&constructor[prototype][polluted]=yes&data=x",
    "data=1&__proto__=x&constructor=y&prototype=z&data.__proto__.polluted=yes",
    "data=%F0%9F%90%B1&data=%ZZ&%E0%80=%C0%AF",
    `{"data": ${"[".repeat(deep)}${"]".repeat(deep)}}`,
    `data=${"%5B".repeat(deep)}`,
    '{"data": 1e999, "x": -0}',
    '{"data": "\\ud800"}',
  ];

  const nearTimestamp = fc.oneof(
    fc.integer({ min: -120, max: 120 }).map((d) => String(NOW + d)),
    fc.constantFrom(
      `+${NOW}`,
      `0${NOW}`,
      `${NOW}.0`,
      "1.7642304e9",
      "-1",
      ` ${NOW}`,
      `${NOW} `,
      `${NOW}\n`,
      "9007199254740993",
      "١٧٦٤٢٣٠٤٠٠",
      "0x6927a980",
      "Infinity",
      "NaN",
      "",
      "0",
      `${NOW}, ${NOW}`,
    ),
    fc.stringMatching(/^[0-9]{1,30}$/),
  );
  const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex);
  const nearSignature = fc.oneof(
    hex64,
    hex64.map((h) => h.toUpperCase()),
    hex64.map((h) => h.slice(1)),
    hex64.map((h) => `${h}0`),
    hex64.map((h) => `sha256=${h}`),
    hex64.map((h) => `${h.slice(0, 63)}g`),
    hex64.map((h) => `${h}, ${h}`),
    fc.constantFrom("", " ".repeat(64), "０".repeat(64), "é".repeat(32), "\u0000".repeat(64)),
  );
  const nearContentType = fc.oneof(
    fc.constantFrom(
      "application/json",
      "APPLICATION/JSON; charset=utf-8",
      "text/plain",
      "multipart/form-data; boundary=x",
      ";",
      "",
    ),
    formContentType,
  );
  const nearValue: Record<string, fc.Arbitrary<string>> = {
    "x-task-id": fc.oneof(taskIdArb, fc.constantFrom("", " ", "a b", "x".repeat(200), "../../etc/passwd", "é")),
    "x-task-status": fc.oneof(statusArb, fc.constantFrom("", "complete", "COMPLETE ", "A".repeat(40), "ÉRROR")),
    "x-task-timestamp": nearTimestamp,
    "x-task-signature": nearSignature,
    "content-type": nearContentType,
    "content-encoding": fc.constantFrom("identity", " IDENTITY ", "gzip", "br, gzip", "", "x-garbage"),
    "content-length": fc.oneof(
      fc.nat().map(String),
      fc.constantFrom("-1", "abc", "1e99", "", "0x10", "99999999999999999999"),
    ),
  };

  const garbageValue = fc.oneof(
    { weight: 4, arbitrary: anyText(40) },
    { weight: 2, arbitrary: fc.array(anyText(20), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null) },
  );
  /** Mostly well-formed, so that enough cases get past the header checks to the signature and body. */
  const validValue: Record<string, fc.Arbitrary<string | undefined>> = {
    "x-task-id": taskIdArb,
    "x-task-status": statusArb,
    "x-task-timestamp": fc.constant(String(NOW)),
    "x-task-signature": hex64,
    "content-type": nearContentType,
    "content-encoding": fc.constant(undefined),
    "content-length": fc.constant(undefined),
  };
  const headerEntryArb = (name: string) =>
    fc.oneof(
      { weight: 12, arbitrary: validValue[name]! },
      { weight: 1, arbitrary: fc.constant<undefined>(undefined) },
      { weight: 2, arbitrary: nearValue[name]! },
      { weight: 1, arbitrary: garbageValue },
      { weight: 1, arbitrary: fc.array(nearValue[name]!, { minLength: 1, maxLength: 3 }) },
    );
  const noiseArb = fc.array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(...ours).chain((n) => fc.mixedCase(fc.constant(n))),
        fc.constantFrom(
          "__proto__",
          "constructor",
          "prototype",
          "get",
          "toString",
          "valueOf",
          "hasOwnProperty",
          "length",
        ),
        anyText(12),
      ),
      garbageValue,
    ),
    { maxLength: 4 },
  );

  const garbageBody = fc.oneof(
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: 400 }) },
    { weight: 3, arbitrary: fc.string({ unit: codeUnit, maxLength: 200 }) },
    { weight: 2, arbitrary: fc.constantFrom(...hostileBodies) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 3 }).map((json) => `{"data": ${json}}`) },
    {
      weight: 2,
      arbitrary: fc
        .array(fc.tuple(fc.oneof(dangerousKey, fc.constant("data"), anyText(8)), anyText(20)), { maxLength: 5 })
        .map((fields) =>
          fields
            .map(
              ([k, v]) =>
                `${encodeURIComponent(k.replace(/[\uD800-\uDFFF]/g, ""))}=${encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, ""))}`,
            )
            .join("&"),
        ),
    },
  );

  const garbageArb = fc.record({
    entries: fc.record(
      Object.fromEntries([...ours].map((n) => [n, headerEntryArb(n)])) as Record<string, fc.Arbitrary<unknown>>,
    ),
    noise: noiseArb,
    shape: shapeArb,
    salt: fc.nat(),
    body: garbageBody,
    bodyForm: bodyFormArb,
    // Signed with the right key and a fresh timestamp, so the garbage reaches the body parser.
    sign: fc.boolean(),
    maxBodyBytes: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, fc.integer({ min: 0, max: 512 })),
  });
  type Garbage = typeof garbageArb extends fc.Arbitrary<infer G> ? G : never;

  async function garbageRequest(g: Garbage) {
    const entries = Object.entries(g.entries) as [string, string | string[] | number | undefined | null][];
    if (g.sign) {
      const signed = await core.signCallback({ body: g.body, secret: KEY, timestamp: NOW });
      for (const entry of entries) {
        if (entry[0] === "x-task-timestamp") entry[1] = signed["X-Task-Timestamp"];
        if (entry[0] === "x-task-signature") entry[1] = signed["X-Task-Signature"];
      }
    }
    const all = [...entries, ...(g.noise as typeof entries)];
    return { headers: shapeHeaders(all, g.shape, g.salt), body: asBody(g.body, g.bodyForm) };
  }
  const garbageOptions = (g: Garbage) => ({
    secret: KEY,
    now: () => NOW * 1000,
    ...(g.maxBodyBytes === undefined ? {} : { maxBodyBytes: g.maxBodyBytes }),
  });

  it(
    "(c) garbage in every header and the body only ever yields a TaskCallbackError",
    async () => {
      await fc.assert(
        fc.asyncProperty(garbageArb, async (g) =>
          guarded(async () => {
            const input = await garbageRequest(g);
            const context = () => `garbage ${show(g)}`;
            const outcome = await attempt(
              g.sign ? "c signed" : "c",
              core.createVerifier(garbageOptions(g)),
              input,
              context,
            );
            if (outcome !== undefined && "accepted" in outcome && !g.sign) {
              violation("forgeries", `accepted an unsigned request: ${context()}`);
            }
          }),
        ),
        { numRuns: runsOf("garbageVerify"), ...seedOf("garbageVerify") },
      );
    },
    timeout,
  );

  const methodArb = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(undefined, "POST", "post") },
    { weight: 1, arbitrary: fc.constantFrom("GET", "PUT", "OPTIONS", "") },
    { weight: 1, arbitrary: anyText(8) },
  );
  const sourceFormArb = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom("raw", "web-stream", "node-stream") },
    { weight: 1, arbitrary: fc.constantFrom("failing-stream", "null", "undefined") },
  );
  const chunkSizes = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 });

  /** The body as a stream (Web or async iterable of bytes and strings), as adapters hand it over. */
  function bodySource(body: Uint8Array | ArrayBuffer | string, form: string, sizes: number[]): CallbackRequest["body"] {
    if (form === "raw") return body;
    if (form === "null") return null;
    if (form === "undefined") return undefined;
    const bytes = typeof body === "string" ? utf8.encode(body) : new Uint8Array(body);
    const chunks: Uint8Array[] = [];
    for (let at = 0, i = 0; at < bytes.length; i++) {
      const size = sizes[i % sizes.length]!;
      chunks.push(bytes.subarray(at, at + size));
      at += size;
    }
    if (form === "web-stream" || form === "failing-stream") {
      let index = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          // By index: Array#shift is linear on large arrays, which made long runs quadratic.
          const next = chunks[index++];
          if (next !== undefined) controller.enqueue(next);
          else if (form === "failing-stream") controller.error(new Error("connection reset"));
          else controller.close();
        },
      });
    }
    // Node streams yield Buffers, or strings after setEncoding: mixed here where a chunk is whole UTF-8.
    return (async function* () {
      for (const [i, chunk] of chunks.entries()) yield i % 2 === 1 ? (utf8Text(chunk) ?? chunk) : chunk;
    })();
  }

  const statuses = new Set<number>([200, ...Object.values(core.errorStatus)]);

  it(
    "(c) garbage through createCallbackProcessor only ever yields a table status, never INTERNAL_ERROR",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          garbageArb,
          methodArb,
          sourceFormArb,
          chunkSizes,
          fc.boolean(),
          async (g, method, form, sizes, store) =>
            guarded(async () => {
              const input = await garbageRequest(g);
              const body = bodySource(input.body, form, sizes);
              const context = () => `garbage ${show(g)} method ${show(method)} source ${form}`;
              const reported: unknown[] = [];
              const processor = core.createCallbackProcessor({
                ...garbageOptions(g),
                ...(store ? {} : { idempotency: false as const }),
                onCallback: () => {},
                onError: (error) => reported.push(error),
              });
              let response: CallbackResponse;
              try {
                response = await processor.process({ method, headers: input.headers, body });
              } catch (error) {
                return violation("untyped", `process() rejected with ${describeError(error)}: ${context()}`);
              }
              for (const error of reported) violation("untyped", `onError got ${describeError(error)}: ${context()}`);
              const payload = JSON.parse(response.body) as { error?: { code: string } };
              note(g.sign ? "c process signed" : "c process", payload.error?.code ?? String(response.status));
              if (!statuses.has(response.status)) violation("wrong", `status ${response.status}: ${context()}`);
              if (payload.error?.code === "INTERNAL_ERROR") violation("untyped", `INTERNAL_ERROR: ${context()}`);
              if (response.status === 200 && !g.sign)
                violation("forgeries", `200 for an unsigned request: ${context()}`);
            }),
        ),
        { numRuns: runsOf("garbageProcess"), ...seedOf("garbageProcess") },
      );
    },
    timeout,
  );

  it("(c) prototype-pollution payloads stay plain data on every path", async () => {
    const verifier = core.createVerifier({ secret: KEY, now: () => NOW * 1000 });
    const processor = core.createCallbackProcessor({ secret: KEY, now: () => NOW * 1000, idempotency: false });
    for (const body of hostileBodies.slice(0, 8)) {
      for (const contentType of ["application/json", "application/x-www-form-urlencoded"]) {
        const signed = await core.signCallback({ body, secret: KEY, timestamp: NOW });
        const headers = { "x-task-id": "t", "x-task-status": "COMPLETE", "content-type": contentType, ...signed };
        await guarded(async () => {
          const outcome = await attempt("proto", verifier, { headers, body }, () => body);
          if (outcome && "accepted" in outcome) {
            const data = outcome.accepted.data as Record<string, unknown> | null;
            if (typeof data === "object" && data !== null && !Array.isArray(data)) {
              expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
            }
          }
          await processor.process({ method: "POST", headers, body: new Blob([body]).stream() });
        });
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(tally.prototype).toBe(0);
  });

  // Regression: Content-Type is not signed, and a JSON callback relabelled as a form used to be
  // parsed as one, so a string inside the signed JSON became `data` on a replay.
  const injection = (json: string) => `x&data=${encodeURIComponent(json)}&x=`;
  const relabelBody = fc.oneof(
    fc.tuple(fc.json({ maxDepth: 2 }), jsonData).map(([json, data]) => ({
      body: core.toPythonJson({ data: { echo: injection(json), data } }),
    })),
    jsonBodyArb,
    formBodyArb,
    rawBodyArb,
  );
  const contentTypes = [undefined, "application/json", "application/x-www-form-urlencoded", "text/plain"];

  it(
    "(regression) relabelling a signed body's Content-Type never changes its data",
    async () => {
      await fc.assert(
        fc.asyncProperty(relabelBody, async ({ body }) =>
          guarded(async () => {
            const signed = await core.signCallback({ body, secret: KEY, timestamp: NOW });
            const verifier = core.createVerifier({ secret: KEY, now: () => NOW * 1000 });
            const accepted: unknown[] = [];
            for (const contentType of contentTypes) {
              const headers = { "x-task-id": "t", "x-task-status": "COMPLETE", ...signed };
              const input = { headers: contentType ? { ...headers, "content-type": contentType } : headers, body };
              const outcome = await attempt("relabel", verifier, input, () => `${contentType}: ${show(body)}`);
              if (outcome && "accepted" in outcome) accepted.push(outcome.accepted.data);
            }
            if (accepted.some((data) => !isDeepStrictEqual(data, accepted[0]))) {
              violation("forgeries", `Content-Type changed the data of ${show(body)}: ${show(accepted)}`);
            }
          }),
        ),
        { numRuns: runsOf("relabel"), ...seedOf("relabel") },
      );
      const body = core.toPythonJson({ data: { echo: injection('{"admin": true}') } });
      const headers = {
        "x-task-id": "t",
        "x-task-status": "COMPLETE",
        "content-type": "application/x-www-form-urlencoded",
        ...(await core.signCallback({ body, secret: KEY, timestamp: NOW })),
      };
      const callback = await core.createVerifier({ secret: KEY, now: () => NOW * 1000 }).verify({ headers, body });
      expect(callback.data).toStrictEqual({ echo: injection('{"admin": true}') });
    },
    timeout,
  );

  it.runIf(counting)("the long run found nothing", () => {
    expect({ ...tally, runs: 0 }).toStrictEqual({ runs: 0, forgeries: 0, untyped: 0, prototype: 0, wrong: 0 });
  });
});
