import { headerNames } from "./beam.js";
import type { AnyTaskCallback, InferCallback, SchemaOption, TaskCallback } from "./callback.js";
import { seam } from "./crypto/web.js";
import {
  base64Length,
  constantTimeEqual,
  encodeUtf8,
  parseSignatureHex,
  toBytes,
  toHex,
  writeBase64,
} from "./encoding.js";
import { isTaskCallbackError, type TaskCallbackErrorCode } from "./errors.js";
import { readHeader } from "./headers.js";
import { deeperThan, MAX_DATA_DEPTH } from "./parse.js";
import { toPythonJson } from "./python-json.js";
import { type CallbackInput, createVerifier, DEFAULT_TOLERANCE_SECONDS, type VerifierOptions } from "./verify.js";

/** Why a callback was refused, as far as a diagnosis could tell. Stable: new codes may be added. */
export type DiagnosisReason =
  | "BODY_RESERIALIZED"
  | "SECRET_PREFIX"
  | "SECRET_WHITESPACE"
  | "TIMESTAMP_MILLISECONDS"
  | "CLOCK_SKEW"
  | "UNSIGNED_CALLBACK"
  | "SCHEME_NO_COLON"
  | "SCHEME_RAW_BODY"
  | "SCHEME_TIMESTAMP_FIRST"
  | "SCHEME_URLSAFE_BASE64"
  | "SCHEME_DECODED_KEY"
  | "SCHEME_BASE64_DIGEST"
  | "SCHEME_TRUNCATED_SIGNATURE"
  | "UNKNOWN";

/** One finding: a stable code and one sentence of advice. Never holds the key, a signature or the body. */
export interface DiagnosisEntry {
  reason: DiagnosisReason;
  message: string;
}

/** What a diagnosis found, most useful first; `UNKNOWN` alone when nothing explains the refusal. */
export type Diagnosis = DiagnosisEntry[];

/** What a diagnosis needs: the verifier's keys, tolerance and clock. */
export type DiagnoseOptions = Pick<VerifierOptions, "secret" | "toleranceSeconds" | "now">;

/** The most HMACs one diagnosis computes, all keys together. */
export const MAX_DIAGNOSIS_HMACS = 10;

const diagnosable: ReadonlySet<string> = new Set<TaskCallbackErrorCode | "UNSIGNED_CALLBACK">([
  "INVALID_SIGNATURE",
  "INVALID_HEADER",
  "TIMESTAMP_EXPIRED",
  "TIMESTAMP_IN_FUTURE",
  "UNSIGNED_CALLBACK",
]);

/** True for the refusals a diagnosis can explain: the signature and the timestamp. */
export function isDiagnosable(code: string): boolean {
  return diagnosable.has(code);
}

/** The outcome of {@link diagnoseCallback}: the verified callback (typed by `schema`), or why it was refused. */
export type CallbackVerdict<C extends AnyTaskCallback = TaskCallback> =
  | { ok: true; callback: C; diagnosis: Diagnosis }
  | { ok: false; code: TaskCallbackErrorCode; message: string; diagnosis: Diagnosis };

/**
 * Verifies one callback and, when it is refused, says why: the refusal's code plus a
 * {@link Diagnosis} found by testing the usual mistakes against the signature (a body parsed and
 * re-written, a key with whitespace or without `sk_`, a clock off, a hand-written sender's
 * misreading of the scheme). For tools and tests; servers get the same through the
 * processor's `onRejected`. Never throws a `TaskCallbackError`.
 *
 * @example
 * ```ts
 * const verdict = await diagnoseCallback({ headers, body }, { secret: process.env.BEAM_SIGNING_KEY! });
 * if (!verdict.ok) for (const { reason, message } of verdict.diagnosis) console.log(reason, message);
 * ```
 */
export async function diagnoseCallback<S extends SchemaOption | undefined = undefined>(
  input: CallbackInput,
  options: VerifierOptions<S>,
): Promise<CallbackVerdict<InferCallback<S>>> {
  try {
    const callback = await createVerifier(options).verify(input);
    return { ok: true, callback, diagnosis: [] };
  } catch (error) {
    if (!isTaskCallbackError(error)) throw error;
    const diagnosis = isDiagnosable(error.code) ? await diagnoseRefusal(input, error.code, options) : [];
    return { ok: false, code: error.code, message: error.message, diagnosis };
  }
}

/**
 * Explains a refusal already made: `code` is the refusal's, `input` the request as received.
 * Tests at most {@link MAX_DIAGNOSIS_HMACS} hypotheses; returns `UNKNOWN` when none holds.
 *
 * @example
 * ```ts
 * const diagnosis = await diagnoseRefusal({ headers, body }, error.code, { secret });
 * ```
 */
export async function diagnoseRefusal(
  input: CallbackInput,
  code: string,
  options: DiagnoseOptions,
): Promise<Diagnosis> {
  const secrets = typeof options.secret === "string" ? [options.secret] : [...options.secret];
  const timestamp = readHeader(input.headers, headerNames.timestamp) ?? "";
  const signature = readHeader(input.headers, headerNames.signature) ?? "";
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;

  if (signature.trim() === "" && timestamp.trim() === "0") return [unsigned];
  if (/^\d{13}$/.test(timestamp)) return [milliseconds(timestamp)];
  if (code === "INVALID_HEADER") return [];
  const probe = new Probe(toBytes(input.body), timestamp, secrets);

  if (code === "TIMESTAMP_EXPIRED" || code === "TIMESTAMP_IN_FUTURE") {
    const skew = clockSkew(nowSeconds - Number(timestamp), tolerance);
    const given = parseSignatureHex(signature);
    if (given !== undefined && (await probe.matchesAnyKey(given))) return [skew];
    // A mistake that reproduces the signature proves the timestamp was signed too.
    const explained = await probe.explain(signature);
    return explained === undefined ? [unknown(signature, probe.exhausted)] : [...explained, skew];
  }
  return (await probe.explain(signature)) ?? [unknown(signature, probe.exhausted)];
}

type Part = Uint8Array | string;
type MessageShape = (body: Uint8Array, base64: Uint8Array, timestamp: string) => Part[];

const standard: MessageShape = (_, b64, t) => [b64, `:${t}`];

/** The hypotheses tested against one signature, most common first, within the HMAC budget. */
class Probe {
  private spent = 0;
  private base64Cache: Uint8Array | undefined;
  exhausted = false;

  constructor(
    private readonly body: Uint8Array,
    private readonly timestamp: string,
    private readonly secrets: readonly string[],
  ) {}

  private get base64(): Uint8Array {
    if (this.base64Cache === undefined) {
      this.base64Cache = new Uint8Array(base64Length(this.body.length));
      writeBase64(this.body, this.base64Cache, 0);
    }
    return this.base64Cache;
  }

  private async mac(key: Uint8Array | string, shape: MessageShape, body = this.body): Promise<Uint8Array | undefined> {
    if (this.spent >= MAX_DIAGNOSIS_HMACS) {
      this.exhausted = true;
      return undefined;
    }
    this.spent++;
    // Beam's own message shape goes through the seam: node:crypto streams it without a copy.
    if (shape === standard && typeof key === "string") {
      return seam.signPayload(await seam.importKey(key), body, this.timestamp);
    }
    return hmac(key, concat(shape(body, this.base64, this.timestamp)));
  }

  /** The Beam signature of the body as received, with the key at `index`. */
  expected(index: number): Promise<Uint8Array | undefined> {
    return this.mac(this.secrets[index] as string, standard);
  }

  async matchesAnyKey(given: Uint8Array): Promise<boolean> {
    for (let i = 0; i < this.secrets.length; i++) {
      const expected = await this.expected(i);
      if (expected !== undefined && constantTimeEqual(expected, given)) return true;
    }
    return false;
  }

  /** The first hypothesis that reproduces `signature`, or `undefined`. */
  async explain(signature: string): Promise<Diagnosis | undefined> {
    const given = parseSignatureHex(signature);
    if (given === undefined) return this.explainMalformed(signature);
    for (const hypothesis of this.hypotheses()) {
      for (let i = 0; i < this.secrets.length; i++) {
        const attempt = hypothesis(this.secrets[i] as string);
        if (attempt === undefined) continue;
        const mac = await this.mac(attempt.key, attempt.shape, attempt.body);
        if (mac === undefined) return undefined;
        if (constantTimeEqual(mac, given))
          return [{ reason: attempt.reason, message: attempt.message(keyName(i, this.secrets.length)) }];
      }
    }
    return undefined;
  }

  /** A signature that is not 64 hex characters: the right one in base64, or cut short. */
  private async explainMalformed(signature: string): Promise<Diagnosis | undefined> {
    const text = signature.trim();
    const asBase64 = /^[A-Za-z0-9+/]{43}=$/.test(text)
      ? Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
      : undefined;
    const prefix = /^[0-9a-fA-F]{16,63}$/.test(text) ? text.toLowerCase() : undefined;
    if (asBase64 === undefined && prefix === undefined) return undefined;
    for (let i = 0; i < this.secrets.length; i++) {
      const expected = await this.expected(i);
      if (expected === undefined) return undefined;
      if (asBase64 !== undefined && constantTimeEqual(expected, asBase64)) return [base64Digest];
      if (prefix !== undefined && toHex(expected).startsWith(prefix)) return [truncated(prefix.length)];
    }
    return undefined;
  }

  private *hypotheses(): Generator<(secret: string) => Attempt | undefined> {
    const reserialized = rewrittenBodies(this.body);
    for (const body of reserialized) {
      yield (key) => ({ reason: "BODY_RESERIALIZED", key, shape: standard, body, message: () => reserializedMessage });
    }
    yield (secret) => {
      const trimmed = secret.trim();
      return trimmed === secret || trimmed === ""
        ? undefined
        : { reason: "SECRET_WHITESPACE", key: trimmed, shape: standard, message: whitespaceMessage };
    };
    yield (secret) => {
      const trimmed = secret.trim();
      const key = trimmed.startsWith("sk_") ? trimmed.slice(3) : `sk_${trimmed}`;
      if (key === "") return undefined;
      return {
        reason: "SECRET_PREFIX",
        key,
        shape: standard,
        message: trimmed.startsWith("sk_") ? senderDroppedPrefix : missingPrefix,
      };
    };
    yield scheme("SCHEME_NO_COLON", (_, b64, t) => [b64, t]);
    yield scheme("SCHEME_RAW_BODY", (body, _, t) => [body, `:${t}`]);
    yield scheme("SCHEME_TIMESTAMP_FIRST", (_, b64, t) => [`${t}:`, b64]);
    if (hasUrlUnsafe(this.base64)) {
      yield scheme("SCHEME_URLSAFE_BASE64", (_, b64, t) => [toUrlSafe(b64), `:${t}`]);
    }
    yield (secret) => {
      const decoded = decodeKey(secret.trim());
      return decoded === undefined
        ? undefined
        : {
            reason: "SCHEME_DECODED_KEY",
            key: decoded,
            shape: standard,
            message: () => schemeMessages.SCHEME_DECODED_KEY,
          };
    };
  }
}

interface Attempt {
  reason: DiagnosisReason;
  key: Uint8Array | string;
  shape: MessageShape;
  body?: Uint8Array;
  message: (key: string) => string;
}

function scheme(reason: keyof typeof schemeMessages, shape: MessageShape) {
  return (key: string): Attempt => ({ reason, key, shape, message: () => schemeMessages[reason] });
}

/** The body written again the way Beam writes it, and compactly; only those that differ. */
function rewrittenBodies(body: Uint8Array): Uint8Array[] {
  let texts: string[];
  try {
    const value: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
    // Nesting Beam never sends is not written again: overflowing the call stack to find out
    // takes seconds on some runtimes (5 s for 100,000 levels on Bun).
    if (deeperThan(value, MAX_DATA_DEPTH)) return [];
    texts = [toPythonJson(value), JSON.stringify(value)];
  } catch {
    // Not JSON: nothing to compare.
    return [];
  }
  const out: Uint8Array[] = [];
  for (const text of texts) {
    const bytes = encodeUtf8(text);
    if (!sameBytes(bytes, body) && !out.some((other) => sameBytes(other, bytes))) out.push(bytes);
  }
  return out;
}

/** A key whose part after `sk_` is standard base64, decoded; what Svix-style secrets do. */
function decodeKey(secret: string): Uint8Array | undefined {
  const text = secret.startsWith("sk_") ? secret.slice(3) : secret;
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function hasUrlUnsafe(base64: Uint8Array): boolean {
  for (let i = 0; i < base64.length; i++) {
    const c = base64[i];
    if (c === 43 || c === 47 || c === 61) return true;
  }
  return false;
}

function toUrlSafe(base64: Uint8Array): Uint8Array {
  let end = base64.length;
  while (end > 0 && base64[end - 1] === 61) end--;
  const out = base64.slice(0, end);
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 43) out[i] = 45;
    else if (out[i] === 47) out[i] = 95;
  }
  return out;
}

function concat(parts: Part[]): Uint8Array<ArrayBuffer> {
  const bytes = parts.map((part) => (typeof part === "string" ? encodeUtf8(part) : part));
  const out = new Uint8Array(bytes.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of bytes) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// The diagnosis runs only after a refusal and needs keys the seam never imported (trimmed,
// prefixed, decoded), so it uses Web Crypto, present in every runtime core supports.
async function hmac(key: Uint8Array | string, message: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const raw = typeof key === "string" ? encodeUtf8(key) : Uint8Array.from(key);
  const imported = await globalThis.crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return new Uint8Array(await globalThis.crypto.subtle.sign("HMAC", imported, message));
}

function keyName(index: number, count: number): string {
  return count === 1 ? "the signing key" : `signing key #${index + 1} of ${count}`;
}

const reserializedMessage =
  "The body was parsed and written again before it reached taskhook: the same JSON written the way Beam writes it matches the signature, so pass taskhook the raw request bytes (never JSON.stringify(req.body)), mount it before any body parser, and make proxies forward the body unchanged.";

const whitespaceMessage = (key: string) =>
  `The configured ${key.replace(/^the /, "")} has whitespace around it (often a newline from a secrets manager or a file) and matches once trimmed: trim it where it is loaded.`;

const missingPrefix = (key: string) =>
  `The configured ${key.replace(/^the /, "")} lacks the sk_ prefix and matches with it: configure the key exactly as Beam's dashboard shows it (Settings -> General), sk_ included.`;

const senderDroppedPrefix = (key: string) =>
  `The sender signed with ${key} minus its sk_ prefix; Beam signs with the whole key, so this is a hand-written or misconfigured sender: give it the key with sk_.`;

const schemeMessages = {
  SCHEME_NO_COLON:
    'A hand-written sender signed base64(body) + timestamp without the ":" between them; Beam signs base64(body) + ":" + timestamp.',
  SCHEME_RAW_BODY:
    'A hand-written sender signed the raw body instead of its base64; Beam signs base64(body) + ":" + timestamp.',
  SCHEME_TIMESTAMP_FIRST:
    'A hand-written sender signed timestamp + ":" + base64(body), the parts swapped; Beam signs base64(body) + ":" + timestamp.',
  SCHEME_URLSAFE_BASE64:
    "A hand-written sender encoded the body as URL-safe base64 (- and _, no padding); Beam uses the standard alphabet with = padding.",
  SCHEME_DECODED_KEY:
    "A hand-written sender base64-decoded the signing key (as Svix-style secrets need); Beam uses the key's text as is, sk_ included.",
} as const;

const base64Digest: DiagnosisEntry = {
  reason: "SCHEME_BASE64_DIGEST",
  message:
    "X-Task-Signature holds the right HMAC in base64; Beam sends it as 64 lower-case hex characters, so the sender is hand-written: hex-encode the digest.",
};

const truncated = (length: number): DiagnosisEntry => ({
  reason: "SCHEME_TRUNCATED_SIGNATURE",
  message: `X-Task-Signature is the start of the right signature, ${length} of its 64 hex characters: something between Beam and taskhook cut the header short.`,
});

const unsigned: DiagnosisEntry = {
  reason: "UNSIGNED_CALLBACK",
  message:
    "The callback came unsigned (empty X-Task-Signature, X-Task-Timestamp 0): Beam's runner failed to sign it, so it can never verify; look at the task container's logs.",
};

function milliseconds(timestamp: string): DiagnosisEntry {
  return {
    reason: "TIMESTAMP_MILLISECONDS",
    message: `X-Task-Timestamp is ${timestamp}, milliseconds; Beam sends whole seconds, so the sender is hand-written or a proxy rewrote the header: send Math.floor(Date.now() / 1000).`,
  };
}

function clockSkew(age: number, tolerance: number): DiagnosisEntry {
  const where = age > 0 ? `${age} s before` : `${-age} s after`;
  return {
    reason: "CLOCK_SKEW",
    message: `The signature is genuine but was made ${where} this server's clock, beyond the ${tolerance} s tolerance: this server's clock is off by about ${Math.abs(age)} s (sync it with NTP), or the request is an old callback replayed.`,
  };
}

function unknown(signature: string, exhausted: boolean): DiagnosisEntry {
  const shape =
    parseSignatureHex(signature) === undefined
      ? `X-Task-Signature is not 64 hex characters (it has ${signature.length}) and is no known variant of the right one. `
      : "";
  const budget = exhausted ? " (not every hypothesis was tested for every key)" : "";
  return {
    reason: "UNKNOWN",
    message: `${shape}None of the usual mistakes explains it${budget}: the body was changed on the way, or the key differs from the one that signed it; compare key fingerprints (taskhook listen prints one) with the key in Beam's dashboard.`,
  };
}
