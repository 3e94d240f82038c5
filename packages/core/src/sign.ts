import { headerNames } from "./beam.js";
import { seam } from "./crypto/web.js";
import { toBytes, toHex } from "./encoding.js";
import type { TaskStatus } from "./status.js";

/** The two headers that carry a signature. */
export type SignatureHeaders = {
  "X-Task-Timestamp": string;
  "X-Task-Signature": string;
};

/** Everything Beam sends with a callback. */
export type CallbackHeaders = SignatureHeaders & {
  "Content-Type": "application/json";
  "X-Task-ID": string;
  "X-Task-Status": string;
};

/**
 * Signs raw body bytes the way Beam does: hex HMAC-SHA256 of `base64(body) + ":" + timestamp`,
 * keyed with the signing key's UTF-8 bytes.
 *
 * @example
 * ```ts
 * const headers = await signCallback({ body: '{"data": 1}', secret: "sk_test" });
 * // { "X-Task-Timestamp": "1764230400", "X-Task-Signature": "3f2a..." }
 * ```
 */
export async function signCallback(options: {
  body: Uint8Array | ArrayBuffer | string;
  secret: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
}): Promise<SignatureHeaders> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const key = await seam.importKey(options.secret);
  const signature = toHex(await seam.signPayload(key, toBytes(options.body), timestamp));
  return { [headerNames.timestamp]: timestamp, [headerNames.signature]: signature } as SignatureHeaders;
}

/** What {@link createTestCallback} builds: a request exactly as Beam would send it. */
export interface TestCallback {
  headers: CallbackHeaders;
  /** The body as Beam serializes it (Python `json.dumps` defaults: ASCII, `", "` and `": "`). */
  body: string;
  taskId: string;
  timestamp: number;
}

/**
 * Builds a signed callback byte-for-byte as Beam would send it for `data`, for your tests.
 *
 * @example
 * ```ts
 * const { headers, body } = await createTestCallback({ data: { result: 10 }, secret: "sk_test" });
 * const response = await fetch("http://127.0.0.1:3000/beam", { method: "POST", headers, body });
 * ```
 */
export async function createTestCallback(options: {
  data: unknown;
  secret: string;
  /** Defaults to `COMPLETE`. */
  status?: TaskStatus;
  /** Defaults to a random UUID. */
  taskId?: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
}): Promise<TestCallback> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const taskId = options.taskId ?? globalThis.crypto.randomUUID();
  const body = toPythonJson({ data: options.data });
  const signature = await signCallback({ body, secret: options.secret, timestamp });
  return {
    headers: {
      "Content-Type": "application/json",
      [headerNames.id]: taskId,
      [headerNames.status]: options.status ?? "COMPLETE",
      ...signature,
    } as CallbackHeaders,
    body,
    taskId,
    timestamp,
  };
}

/**
 * Serializes like Python's `json.dumps` with default arguments: `", "` and `": "` separators
 * and every character outside printable ASCII as a lower-case `\uXXXX` escape (UTF-16 code
 * units, so astral characters become surrogate pairs). Values follow `JSON.stringify`.
 *
 * @example
 * ```ts
 * toPythonJson({ data: { caption: "café" } }); // '{"data": {"caption": "caf\\u00e9"}}'
 * ```
 */
export function toPythonJson(value: unknown): string {
  const compact = JSON.stringify(value);
  if (compact === undefined) throw new TypeError("taskhook: the value cannot be serialized as JSON.");
  let out = "";
  let inString = false;
  let runStart = 0;
  for (let i = 0; i < compact.length; i++) {
    const c = compact.charCodeAt(i);
    if (inString) {
      if (c === 92) {
        i++;
      } else if (c === 34) {
        inString = false;
      } else if (c > 126) {
        out += `${compact.slice(runStart, i)}\\u${c.toString(16).padStart(4, "0")}`;
        runStart = i + 1;
      }
    } else if (c === 34) {
      inString = true;
    } else if (c === 44 || c === 58) {
      out += `${compact.slice(runStart, i + 1)} `;
      runStart = i + 1;
    }
  }
  return out + compact.slice(runStart);
}
