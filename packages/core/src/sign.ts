import { headerNames } from "./beam.js";
import { seam } from "./crypto/web.js";
import { toBytes, toHex } from "./encoding.js";
import { toPythonJson } from "./python-json.js";
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

/** What {@link createTestCallback} signs: the task's return value, or the exact body text. */
export interface TestCallbackOptions {
  /**
   * The task's return value; the body is `{"data": ...}` as Python's `json.dumps` writes it
   * (`undefined` as `null`, like a task that returned nothing).
   */
  data?: unknown;
  /**
   * Instead of `data`, the exact body text, for what a JavaScript value cannot say: a Python
   * float such as `1.0`, or integer-like keys after others (`{"b": 1, "10": 2}`). Sent as is.
   */
  body?: string;
  secret: string;
  /** Defaults to `COMPLETE`. */
  status?: TaskStatus;
  /** Defaults to a random UUID. */
  taskId?: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
}

/**
 * Builds a signed callback byte-for-byte as Beam would send it for `data` (`undefined` is
 * written as `null`, as Beam writes a task that returned nothing), or for the exact `body`
 * text, for your tests.
 *
 * @example
 * ```ts
 * const { headers, body } = await createTestCallback({ data: { result: 10 }, secret: "sk_test" });
 * const response = await fetch("http://127.0.0.1:3000/beam", { method: "POST", headers, body });
 * // What JavaScript cannot write, as Python wrote it:
 * await createTestCallback({ body: '{"data": {"score": 1.0}}', secret: "sk_test" });
 * ```
 */
export async function createTestCallback(options: TestCallbackOptions): Promise<TestCallback> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const taskId = options.taskId ?? globalThis.crypto.randomUUID();
  let body: string;
  if (typeof options.body === "string") {
    if (options.data !== undefined) {
      throw new TypeError("taskhook: pass either `data` or the exact `body` text to createTestCallback, not both.");
    }
    body = options.body;
  } else {
    body = toPythonJson({ data: options.data });
  }
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
