import { beamFormats, beamSender, headerNames } from "./beam.js";
import {
  type AnyTaskCallback,
  type InferCallback,
  type SchemaOption,
  schemaResolver,
  type TaskCallback,
} from "./callback.js";
import { seam } from "./crypto/web.js";
import { constantTimeEqual, parseSignatureHex, toBytes } from "./encoding.js";
import { TaskCallbackError } from "./errors.js";
import { type HeadersInput, readHeader } from "./headers.js";
import { checkLargeIntegers, type LargeIntegers } from "./json-integers.js";
import { parseData, validateData } from "./parse.js";
import { warnAboutSecrets } from "./secret-check.js";
import type { TaskStatus } from "./status.js";

/** Default accepted clock difference, both ways: covers Beam's retries (~35 s) plus skew. */
export const DEFAULT_TOLERANCE_SECONDS = 60;
/** Default largest body accepted: 16 MiB, the most Beam's sender sends. */
export const DEFAULT_MAX_BODY_BYTES = beamSender.maxBodyBytes;

/** How to verify callbacks. */
export interface VerifierOptions<S extends SchemaOption | undefined = undefined> {
  /**
   * The workspace signing key from Beam's dashboard (Settings -> General), `sk_` prefix
   * included, used as-is. Several keys accept any of them (key rotation).
   */
  secret: string | readonly string[];
  /** Largest accepted clock difference in seconds, past and future. Default 60. */
  toleranceSeconds?: number;
  /** Largest accepted body in bytes. Default 16 MiB, the most Beam sends; a smaller limit refuses real callbacks for good. */
  maxBodyBytes?: number;
  /** Current time in milliseconds; for tests, or to re-verify a stored callback later. */
  now?: () => number;
  /**
   * A Standard Schema (zod, valibot, arktype...) for the result of a COMPLETE callback: its
   * `data` must match, and `data` is typed by it once `status` is checked. ERROR, CANCELLED and
   * TIMEOUT callbacks carry Beam's own shapes and pass unvalidated, so a schema never refuses
   * the callbacks that say a task failed. A map such as `{ COMPLETE: result, ERROR: failure }`
   * validates and types each status it names. A callback that does not match is answered 400
   * `INVALID_BODY`, which Beam never retries.
   */
  schema?: S;
  /**
   * What integers beyond ±2^53 in `data` become (Python writes `time.time_ns()` and int64 ids
   * exactly): `"number"` (default) rounds them as `JSON.parse` does, `"bigint"` keeps them as
   * `bigint`, `"string"` as their decimal text. Other numbers stay numbers.
   */
  largeIntegers?: LargeIntegers;
}

/** One request as received: its headers and its raw, unparsed body. */
export interface CallbackInput {
  headers: HeadersInput;
  /** The raw bytes, or the raw text exactly as received. Never a re-serialized object. */
  body: Uint8Array | ArrayBuffer | string;
}

/** A reusable verifier: keys are imported once. */
export interface Verifier<C extends AnyTaskCallback = TaskCallback> {
  /** Verifies and parses one callback; rejects with a {@link TaskCallbackError}. */
  verify(input: CallbackInput): Promise<C>;
  /**
   * The checks that need no body, which `verify` runs first too: `Content-Encoding`, the four
   * `X-Task-*` headers' presence and format, the timestamp window and the signature's format.
   * Throws the {@link TaskCallbackError} `verify` would; call it before reading a body, so a
   * request that cannot verify is refused before a byte of it is read.
   */
  checkHeaders(headers: HeadersInput): void;
  /** The resolved options, so adapters can enforce the same body limit while reading. */
  readonly maxBodyBytes: number;
  readonly toleranceSeconds: number;
}

/**
 * Creates a verifier for Beam task callbacks. Checks run cheapest first: headers, an unsigned
 * delivery, timestamp window, body size, signature (constant time, every configured key), then the body.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ secret: process.env.BEAM_SIGNING_KEY! });
 * const callback = await verifier.verify({ headers: request.headers, body: rawBytes });
 * console.log(callback.taskId, callback.status, callback.data);
 * ```
 */
export function createVerifier<S extends SchemaOption | undefined = undefined>(
  options: VerifierOptions<S>,
): Verifier<InferCallback<S>> {
  const secrets = normalizeSecrets(options.secret);
  warnAboutSecrets(secrets);
  const toleranceSeconds = checkNumber("toleranceSeconds", options.toleranceSeconds, DEFAULT_TOLERANCE_SECONDS);
  const maxBodyBytes = checkNumber("maxBodyBytes", options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES);
  const now = options.now ?? Date.now;
  const schemaFor = schemaResolver(options.schema);
  const largeIntegers = checkLargeIntegers(options.largeIntegers);
  let keys: Promise<unknown[]> | undefined;
  const syncKeys = seam.sync === undefined ? undefined : secrets.map(seam.sync.importKey);

  function importKeys(): Promise<unknown[]> {
    keys ??= Promise.all(secrets.map((secret) => seam.importKey(secret))).catch((error: unknown) => {
      keys = undefined; // a failed import is retried by the next request, not cached
      throw error;
    });
    return keys;
  }

  /** Everything that needs no body: the headers, an unsigned delivery, the timestamp window, the signature's format. */
  function checkHeaders(headers: HeadersInput): CheckedInput {
    const c = readBeamHeaders(headers);
    if (c.signatureText === beamSender.unsigned.signature && c.timestampText === beamSender.unsigned.timestamp) {
      throw new TaskCallbackError(
        "UNSIGNED_CALLBACK",
        `Beam could not sign this callback (empty ${headerNames.signature} and ${headerNames.timestamp}: 0), so it can never verify. The signing failed inside Beam and nothing on this server fixes it; the task's logs in Beam say more.`,
      );
    }
    c.timestamp = checkTimestamp(c.timestampText, Math.floor(now() / 1000), toleranceSeconds);
    c.given = parseSignatureHex(c.signatureText) ?? signatureMismatch(false);
    return c;
  }

  // Cheapest checks first: headers, an unsigned delivery, timestamp window, body size, signature, then the body.
  // One object of one shape is filled in place: spreading it per step cost more than the checks.
  function checkInput(input: CallbackInput): CheckedInput {
    const c = checkHeaders(input.headers);
    const body = toBytes(input.body);
    if (body.length > maxBodyBytes) throw bodyTooLarge(maxBodyBytes);
    c.body = body;
    return c;
  }

  /** The whole verification in one call, when keys and signing are synchronous and no schema is set. */
  function verifyNow(input: CallbackInput, keyList: unknown[], sign: SignSync): InferCallback<S> {
    const c = checkInput(input);
    const macs: Uint8Array[] = [];
    for (let i = 0; i < keyList.length; i++) macs.push(sign(keyList[i], c.body, c.timestampText));
    const secretIndex = matchingKey(macs, c.given);
    // Only a verified body is parsed.
    const data = parseData(c.body, readHeader(input.headers, "content-type", "content-type"), largeIntegers);
    return toCallback(c, secretIndex, data) as InferCallback<S>;
  }

  async function verifySlow(input: CallbackInput): Promise<InferCallback<S>> {
    const c = checkInput(input);
    const macs: Uint8Array[] = [];
    for (const key of await importKeys()) macs.push(await seam.signPayload(key, c.body, c.timestampText));
    const secretIndex = matchingKey(macs, c.given);
    let data = parseData(c.body, readHeader(input.headers, "content-type", "content-type"), largeIntegers);
    const schema = schemaFor(c.status);
    if (schema !== undefined) data = await validateData(schema, data);
    return toCallback(c, secretIndex, data) as InferCallback<S>;
  }

  // node:crypto imports and signs without promises: with no schema to await either, a request
  // is verified in one synchronous call (no microtask turns on the hot path).
  const sync = seam.sync;
  const verifySync =
    syncKeys === undefined || sync === undefined || options.schema !== undefined
      ? undefined
      : (input: CallbackInput) => verifyNow(input, syncKeys, sync.signPayload);

  function verify(input: CallbackInput): Promise<InferCallback<S>> {
    if (verifySync === undefined) return verifySlow(input);
    try {
      return Promise.resolve(verifySync(input));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  const verifier: Verifier<InferCallback<S>> = {
    verify,
    checkHeaders: (headers) => void checkHeaders(headers),
    maxBodyBytes,
    toleranceSeconds,
  };
  return Object.assign(verifier, verifySync && { [verifySyncKey]: verifySync });
}

type SignSync = (key: unknown, body: Uint8Array, timestamp: string) => Uint8Array;

/** What the checks read from a request, filled in as they pass. */
interface CheckedInput {
  taskId: string;
  status: TaskStatus;
  timestampText: string;
  timestamp: number;
  signatureText: string;
  given: Uint8Array;
  body: Uint8Array;
}

const noBytes = new Uint8Array(0);

// Lower-case names, computed once: Node's headers are lower-case records.
const lowerNames = {
  id: headerNames.id.toLowerCase(),
  status: headerNames.status.toLowerCase(),
  timestamp: headerNames.timestamp.toLowerCase(),
  signature: headerNames.signature.toLowerCase(),
};

function toCallback(c: CheckedInput, secretIndex: number, data: unknown): AnyTaskCallback {
  return {
    taskId: c.taskId,
    status: c.status,
    timestamp: c.timestamp,
    data,
    body: c.body,
    signature: c.signatureText.toLowerCase(),
    secretIndex,
    source: "callback",
  } as AnyTaskCallback;
}

/** Index of the key whose MAC matches; every MAC is compared, in constant time, whichever matches. */
function matchingKey(macs: Uint8Array[], given: Uint8Array): number {
  let secretIndex = -1;
  for (let i = 0; i < macs.length; i++) {
    if (constantTimeEqual(macs[i] as Uint8Array, given) && secretIndex < 0) secretIndex = i;
  }
  return secretIndex < 0 ? signatureMismatch(true) : secretIndex;
}

/** Where a verifier keeps its synchronous entry, for the processor only (not public API). */
export const verifySyncKey: unique symbol = Symbol("taskhook.verifySync");

/** The synchronous verification of a verifier made by {@link createVerifier}, if it has one. */
export function syncVerifierOf<C extends AnyTaskCallback>(
  verifier: Verifier<C>,
): ((input: CallbackInput) => C) | undefined {
  return (verifier as { [verifySyncKey]?: (input: CallbackInput) => C })[verifySyncKey];
}

/** The encoding and the four `X-Task-*` headers, present and well-formed (the timestamp's format is checked later). */
function readBeamHeaders(headers: HeadersInput): CheckedInput {
  const encoding = readHeader(headers, "content-encoding", "content-encoding");
  if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") {
    throw new TaskCallbackError(
      "UNSUPPORTED_ENCODING",
      `Content-Encoding "${printable(encoding)}" is not accepted; Beam sends callbacks uncompressed.`,
    );
  }
  const taskId = required(headers, headerNames.id, lowerNames.id);
  if (!beamFormats.taskId.test(taskId)) {
    throw new TaskCallbackError("INVALID_HEADER", `${headerNames.id} must be a task id such as a UUID.`);
  }
  const status = required(headers, headerNames.status, lowerNames.status);
  if (!beamFormats.status.test(status)) {
    throw new TaskCallbackError(
      "INVALID_HEADER",
      `${headerNames.status} must be an upper-case status such as COMPLETE.`,
    );
  }
  const timestampText = required(headers, headerNames.timestamp, lowerNames.timestamp);
  const signatureText = required(headers, headerNames.signature, lowerNames.signature);
  return {
    taskId,
    status: status as TaskStatus,
    timestampText,
    timestamp: 0,
    signatureText,
    given: noBytes,
    body: noBytes,
  };
}

/** The timestamp in Unix seconds, within `toleranceSeconds` of `nowSeconds` both ways. */
function checkTimestamp(text: string, nowSeconds: number, toleranceSeconds: number): number {
  if (!beamFormats.timestamp.test(text)) {
    throw new TaskCallbackError(
      "INVALID_HEADER",
      `${headerNames.timestamp} must be Unix time in whole seconds, digits only.`,
    );
  }
  const timestamp = Number(text);
  const age = nowSeconds - timestamp;
  // A broken clock must not switch off the window (NaN compares false both ways).
  if (!Number.isFinite(age)) throw new TypeError("taskhook: `now()` must return the current time in milliseconds.");
  if (age > toleranceSeconds) {
    throw new TaskCallbackError(
      "TIMESTAMP_EXPIRED",
      `The callback was signed ${age} s ago, more than the ${toleranceSeconds} s tolerance; check the server clock or raise toleranceSeconds.`,
    );
  }
  if (-age > toleranceSeconds) {
    throw new TaskCallbackError(
      "TIMESTAMP_IN_FUTURE",
      `The callback is dated ${-age} s in the future, more than the ${toleranceSeconds} s tolerance; check the server clock.`,
    );
  }
  return timestamp;
}

/** The INVALID_SIGNATURE refusal: a malformed header, or (`checked`) no key matches. */
function signatureMismatch(checked: boolean): never {
  throw new TaskCallbackError(
    "INVALID_SIGNATURE",
    checked
      ? `${headerNames.signature} does not match this callback; check that the signing key is the one in Beam's dashboard and that the body reaches the verifier unparsed.`
      : `${headerNames.signature} does not match this callback.`,
  );
}

/**
 * Verifies one callback without keeping a verifier. Prefer {@link createVerifier} for a
 * server: it imports the keys once.
 *
 * @example
 * ```ts
 * const callback = await verifyCallback(
 *   { headers: request.headers, body: await request.arrayBuffer() },
 *   { secret: process.env.BEAM_SIGNING_KEY! },
 * );
 * ```
 */
export function verifyCallback<S extends SchemaOption | undefined = undefined>(
  input: CallbackInput,
  options: VerifierOptions<S>,
): Promise<InferCallback<S>> {
  return createVerifier(options).verify(input);
}

/** The error for a body over the limit; shared with the streaming reader. */
export function bodyTooLarge(maxBodyBytes: number): TaskCallbackError {
  return new TaskCallbackError(
    "BODY_TOO_LARGE",
    `The body is larger than maxBodyBytes (${maxBodyBytes} bytes); raise maxBodyBytes if your tasks return more.`,
  );
}

function required(headers: CallbackInput["headers"], name: string, lower: string): string {
  const value = readHeader(headers, name, lower);
  if (value === undefined) {
    throw new TaskCallbackError(
      "MISSING_HEADER",
      `${name} is missing; Beam sends it with every callback (is a proxy dropping X-Task-* headers?).`,
    );
  }
  return value;
}

function normalizeSecrets(secret: string | readonly string[]): string[] {
  const list = typeof secret === "string" ? [secret] : Array.isArray(secret) ? [...secret] : [];
  if (list.length === 0 || list.some((s) => typeof s !== "string" || s.length === 0)) {
    throw new TypeError(
      "taskhook: `secret` must be the signing key from Beam's dashboard (Settings -> General), sk_ prefix included, or a non-empty array of such keys.",
    );
  }
  return list;
}

/** Checks a numeric option: finite and >= 0, else a TypeError naming it. */
export function checkNumber(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`taskhook: \`${name}\` must be a finite number >= 0; got ${String(value)}.`);
  }
  return value;
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, 40);
}
