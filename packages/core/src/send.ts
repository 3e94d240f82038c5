import { beamSender, isRetriedStatus } from "./beam.js";
import { createTestCallback, type TestCallback } from "./sign.js";
import type { TaskStatus } from "./status.js";

const previewChars = 2048;

/** How {@link sendCallback} and {@link deliverCallback} send: Beam's retry policy unless overridden. */
export interface DeliveryOptions {
  /** The `fetch` to send with; defaults to the global one. */
  fetch?: typeof globalThis.fetch;
  /** Waits before each retry; its length plus one is the number of attempts. Default `[500, 1000]`. */
  retryDelaysMs?: readonly number[];
  /**
   * How long one attempt may take, from the request until the response body is read.
   * Default 30 000. Running out of it ends the delivery: like Beam, a timed-out request is not retried.
   */
  responseTimeoutMs?: number;
  /** Stops the delivery; `sendCallback` then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Told about each attempt as soon as it is over, before any wait. */
  onAttempt?: (attempt: SendAttempt) => void;
}

/** Options for {@link sendCallback}. */
export interface SendCallbackOptions extends DeliveryOptions {
  /** The task's return value, sent as `{"data": ...}` with Python's `json.dumps` spacing. */
  data: unknown;
  /** The signing key, `sk_` prefix included. */
  secret: string;
  /** Defaults to `COMPLETE`. */
  status?: TaskStatus;
  /** Defaults to a random UUID. */
  taskId?: string;
  /** Unix seconds to sign with; defaults to now. Every attempt reuses it, as Beam does. */
  timestamp?: number;
}

/** Options for {@link deliverCallback}: a request that is already signed. */
export interface DeliverCallbackOptions extends DeliveryOptions {
  /** Sent as given, in order; connection headers such as `Host` and `Content-Length` are the runtime's. */
  headers: Array<[string, string]> | Record<string, string>;
  /** The raw body, sent byte for byte. */
  body: Uint8Array | string;
}

/** One delivery attempt. */
export interface SendAttempt {
  /** 1, 2 or 3. */
  attempt: number;
  /** `response`: an HTTP answer came; `network-error`: no answer (refused, reset, DNS...); `timeout`: none in time. */
  outcome: "response" | "network-error" | "timeout";
  /** The HTTP status, for a response. */
  status?: number;
  /** The start of the response body (up to 2 048 characters), for a response. */
  body?: string;
  /** The final URL when the receiver redirected (fetch follows redirects, as Beam's sender does). */
  redirectedTo?: string;
  /** What went wrong, for a network error or a timeout. */
  error?: string;
  /** Milliseconds from sending the request to the end of the attempt. */
  durationMs: number;
  /** Milliseconds until the next attempt, when this one is retried. */
  retryInMs?: number;
}

/** What {@link deliverCallback} found out. */
export interface DeliveryResult {
  /** True when the last attempt was answered 2xx. */
  ok: boolean;
  /** The last HTTP status, or `undefined` when no attempt got an answer. */
  status: number | undefined;
  /** Every attempt, in order. */
  attempts: SendAttempt[];
}

/** What {@link sendCallback} found out. */
export interface SendResult extends DeliveryResult {
  /** The request that was sent (the same bytes and headers on every attempt). */
  callback: TestCallback;
}

/**
 * Delivers a callback the way Beam's sender does, to test a receiver before deploying it:
 * the body as {@link createTestCallback} makes it, signed once; up to 3 attempts, 0.5 s then
 * 1 s apart, retried on network errors and on HTTP 408, 425, 429 and 5xx; any other status is
 * final; a request unanswered after 30 s is given up and not retried.
 *
 * Web `fetch` has no connect phase to time separately, so the 10 s connect timeout is the
 * runtime's own: Node's built-in fetch gives up a connection after 10 s, like Beam, and that
 * failure is a network error, retried. The response timeout counts from the request, so a
 * slow connection uses up part of it.
 *
 * @example
 * ```ts
 * const result = await sendCallback("http://127.0.0.1:3000/beam", {
 *   data: { result: 10 },
 *   secret: process.env.BEAM_SIGNING_KEY!,
 * });
 * if (!result.ok) console.error(result.attempts);
 * ```
 */
export async function sendCallback(url: string | URL, options: SendCallbackOptions): Promise<SendResult> {
  const deliver = prepareDelivery(url, options);
  const callback = await createTestCallback({
    data: options.data,
    secret: options.secret,
    ...(options.status === undefined ? {} : { status: options.status }),
    ...(options.taskId === undefined ? {} : { taskId: options.taskId }),
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
  return { ...(await deliver(Object.entries(callback.headers), callback.body)), callback };
}

/**
 * Sends an already-signed request (a recorded callback, say) with Beam's retry policy, like
 * {@link sendCallback}: the body byte for byte and the headers as given, on every attempt.
 * Sending a recorded callback again tests a receiver's duplicate handling.
 *
 * @example
 * ```ts
 * const result = await deliverCallback("http://127.0.0.1:3000/beam", {
 *   headers: [["X-Task-ID", id], ["X-Task-Status", "COMPLETE"], ["X-Task-Timestamp", ts], ["X-Task-Signature", sig]],
 *   body: recordedBytes,
 * });
 * ```
 */
export async function deliverCallback(url: string | URL, options: DeliverCallbackOptions): Promise<DeliveryResult> {
  const deliver = prepareDelivery(url, options);
  const headers = Array.isArray(options.headers) ? options.headers : Object.entries(options.headers);
  return deliver(headers, options.body);
}

// Checks the options up front (before any signing), then returns the retry loop.
function prepareDelivery(url: string | URL, options: DeliveryOptions) {
  const target = parseTarget(url);
  // Called through globalThis: some runtimes refuse a detached `fetch` ("Illegal invocation").
  const send: typeof globalThis.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const delays = options.retryDelaysMs ?? beamSender.retryDelaysMs;
  const responseTimeoutMs = options.responseTimeoutMs ?? beamSender.readTimeoutMs;
  if (!Number.isFinite(responseTimeoutMs) || responseTimeoutMs <= 0) {
    throw new TypeError(`taskhook: \`responseTimeoutMs\` must be a positive number; got ${String(responseTimeoutMs)}.`);
  }
  if (delays.some((delay) => !Number.isFinite(delay) || delay < 0)) {
    throw new TypeError("taskhook: `retryDelaysMs` must hold finite numbers >= 0.");
  }
  const { signal } = options;
  signal?.throwIfAborted();

  return async (headers: Array<[string, string]>, body: Uint8Array | string): Promise<DeliveryResult> => {
    const request = { headers, body };
    const attempts: SendAttempt[] = [];
    for (let number = 1; ; number++) {
      const attempt = await sendOnce(send, target, request, number, responseTimeoutMs, signal);
      const retryable =
        attempt.outcome === "network-error" ||
        (attempt.outcome === "response" && isRetriedStatus(attempt.status as number));
      const delay = delays[number - 1];
      if (retryable && delay !== undefined) attempt.retryInMs = delay;
      attempts.push(attempt);
      options.onAttempt?.(attempt);
      if (attempt.retryInMs === undefined) {
        const status = attempt.status;
        return { ok: status !== undefined && status >= 200 && status < 300, status, attempts };
      }
      await sleep(attempt.retryInMs, signal);
    }
  };
}

async function sendOnce(
  send: typeof globalThis.fetch,
  url: URL,
  callback: { headers: Array<[string, string]>; body: Uint8Array | string },
  number: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<SendAttempt> {
  signal?.throwIfAborted();
  const controller = new AbortController();
  let timedOut = false;
  const timeoutMessage = `no response within ${timeoutMs} ms`;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(timeoutMessage));
  }, timeoutMs);
  const stop = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", stop, { once: true });
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  try {
    const response = await send(url, {
      method: "POST",
      headers: callback.headers,
      body: callback.body as BodyInit,
      signal: controller.signal,
    });
    const body = await readPreview(response);
    const attempt: SendAttempt = {
      attempt: number,
      outcome: "response",
      status: response.status,
      body,
      durationMs: elapsed(),
    };
    if (response.redirected && response.url !== "") attempt.redirectedTo = response.url;
    return attempt;
  } catch (error) {
    signal?.throwIfAborted();
    if (timedOut) {
      return { attempt: number, outcome: "timeout", error: timeoutMessage, durationMs: elapsed() };
    }
    return { attempt: number, outcome: "network-error", error: describe(error), durationMs: elapsed() };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", stop);
  }
}

// The whole body is read, under the timeout, as Beam's sender does; only its start is kept.
async function readPreview(response: Response): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (text.length < previewChars) text += decoder.decode(value, { stream: true });
  }
  if (text.length < previewChars) text += decoder.decode();
  return text.length > previewChars ? text.slice(0, previewChars) : text;
}

function parseTarget(url: string | URL): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new TypeError(`taskhook: "${String(url)}" is not a URL; pass an absolute http:// or https:// URL.`);
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    throw new TypeError(`taskhook: callbacks go to http:// or https:// URLs, not ${target.protocol}//.`);
  }
  return target;
}

// fetch reports every network failure as "fetch failed"; the useful part is in `cause`.
function describe(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    const message =
      typeof code === "string" && !current.message.includes(code) ? `${current.message} (${code})` : current.message;
    if (message !== "" && !messages.includes(message)) messages.push(message);
    current = current.cause;
  }
  return messages.length === 0 ? String(error) : messages.join(": ");
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener("abort", abort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}
