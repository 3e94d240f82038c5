import { beamSender, headerNames } from "./beam.js";
import { type BodySource, DEFAULT_BODY_TIMEOUT_MS, readBody } from "./body.js";
import { type BodyBudget, createBodyBudget, DEFAULT_MAX_BODY_BYTES_IN_FLIGHT } from "./body-budget.js";
import type { AnyTaskCallback, InferCallback, SchemaOption, TaskCallback } from "./callback.js";
import { CallbackHeaders } from "./callback-headers.js";
import { createEarlyRefusals } from "./early-refusal.js";
import { isBinary } from "./encoding.js";
import { type ErrorBody, isTaskCallbackError, TaskCallbackError } from "./errors.js";
import type { HeadersInput } from "./headers.js";
import { readHeader } from "./headers.js";
import { type BeginResult, type IdempotencyStore, memoryStore, syncStoreOf } from "./idempotency.js";
import { createRefusalReporter, type RejectionListener } from "./refusals.js";
import { beginWithTask, settleWithTask } from "./task-record.js";
import { checkNumber, createVerifier, syncVerifierOf, type Verifier, type VerifierOptions } from "./verify.js";

/** Options shared by every adapter: the verifier's, plus what happens after verification. */
export interface ProcessorOptions<S extends SchemaOption | undefined = undefined> extends VerifierOptions<S> {
  /**
   * Runs once per verified callback. Throwing answers 500, so Beam retries (a
   * `TaskCallbackError` with code `STORE_UNAVAILABLE` answers 503 with `Retry-After`); returning
   * answers 200. Middleware-style adapters pass their own `next` instead.
   */
  onCallback?: (callback: InferCallback<S>) => unknown;
  /**
   * Where processed callbacks are remembered so a retried or replayed delivery is
   * acknowledged without running the handler again. Default: one {@link memoryStore} per
   * handler; share a store such as `@taskhook/redis` across instances; `false` turns it off.
   */
  idempotency?: IdempotencyStore | false;
  /** Told about handler failures and store outages. Default: `console.error`. */
  onError?: (error: unknown, callback?: InferCallback<S>) => void;
  /**
   * Told about every refused callback (any error answer before a callback was verified): its
   * code, the answer's status, the task id and status as sent, the body size, the age and, for
   * signature and timestamp refusals, a diagnosis of why (at most one a second). The answer is
   * the same either way. Default: one `console.warn` line, then at most one a minute with counts.
   */
  onRejected?: RejectionListener;
  /**
   * Milliseconds the whole body may take to arrive once reading starts; a slower body is
   * answered 408 `REQUEST_TIMEOUT` with `Connection: close`. Default 30 s; `0` turns it off.
   */
  bodyTimeoutMs?: number;
  /**
   * How long the store remembers each task whose callback was handled, so
   * `@taskhook/reconcile` skips it, and holds the task while it is handled, so a callback for
   * a task the reconciler already delivered is a duplicate. Keep it at least as long as the
   * reconciler's lookback. Off (`0`) by default: a receiver that does not reconcile would only
   * fill its store with records nothing reads. With `@taskhook/reconcile`, set it to
   * `DEFAULT_TASK_RECORD_TTL_MS` (24 h) on a store the reconciler shares.
   */
  taskRecordTtlMs?: number;
  /**
   * Most bytes of request bodies this processor reads at once, across requests: a body is
   * counted at its `Content-Length` (or at what arrived, without one) until it is read. A
   * request that would pass it is answered 503 `RECEIVER_BUSY` with `Retry-After`, which Beam
   * retries, instead of taking more memory. Default 64 MiB, or `maxBodyBytes` when larger; it
   * must be at least `maxBodyBytes`; `0` turns it off.
   */
  maxBodyBytesInFlight?: number;
}

/** One incoming request, in whatever shape the framework has it. */
export interface CallbackRequest {
  /** The HTTP method; anything but POST is answered 405. Omit when the framework routed it. */
  method?: string | undefined;
  headers: HeadersInput;
  /** Raw bytes or text already read, or the body stream, read here within `maxBodyBytes`. */
  body: Uint8Array | ArrayBuffer | string | BodySource | null | undefined;
}

/** What to answer, for the adapter to copy onto its framework's response. */
export interface CallbackResponse<C extends AnyTaskCallback = TaskCallback> {
  status: number;
  headers: Record<string, string>;
  /** JSON text. */
  body: string;
  /** The verified callback, when there was one. */
  callback?: C;
  /** True when the handler (or the route) ran and succeeded: the callback counts as processed. */
  handled: boolean;
  /**
   * True when the route ran and answered the request itself, success or 5xx: the adapter
   * leaves that answer in place. False when the adapter must send this response.
   */
  routeAnswered: boolean;
}

/**
 * Hands a verified callback to the framework's route and resolves to the HTTP status the
 * route answered (a number; anything else means the status is unknown). A status of 500 or more, like a rejection, fails
 * the callback: it stays unprocessed, so Beam's retry runs the route again.
 */
export type RunRoute<C extends AnyTaskCallback = TaskCallback> = (callback: C) => unknown;

/** Verifies, deduplicates and dispatches callbacks; every adapter is a thin shell around it. */
export interface CallbackProcessor<C extends AnyTaskCallback = TaskCallback> {
  /**
   * Processes one request. Middleware that hands the callback on to a route passes `route`
   * instead of `onCallback`: it resolves to the route's status when the route has answered and
   * rejects when the route failed.
   */
  process(request: CallbackRequest, route?: RunRoute<C>): Promise<CallbackResponse<C>>;
  /**
   * The answer for an error an adapter found itself (e.g. `BODY_ALREADY_PARSED` with
   * framework-specific advice), in the same shape and with the same reporting as `process`.
   */
  answerError(error: TaskCallbackError): CallbackResponse<C>;
}

const contentType = "application/json; charset=utf-8";
// The constant answers, serialized once.
const received = JSON.stringify({ received: true });
const duplicate = JSON.stringify({ received: true, duplicate: true });
const empty = "{}";

/**
 * Builds the request pipeline all adapters share: method check, bounded body read,
 * verification, duplicate detection, the handler, and the answer from core's status table.
 *
 * @example
 * ```ts
 * const processor = createCallbackProcessor({ secret, onCallback: (cb) => save(cb.data) });
 * const { status, headers, body } = await processor.process({
 *   method: request.method, headers: request.headers, body: request.body,
 * });
 * return new Response(body, { status, headers });
 * ```
 */
export function createCallbackProcessor<S extends SchemaOption | undefined = undefined>(
  options: ProcessorOptions<S>,
): CallbackProcessor<InferCallback<S>> {
  type C = InferCallback<S>;
  const verifier = createVerifier(options);
  const verifyNow = syncVerifierOf(verifier);
  const store = options.idempotency === undefined ? memoryStore() : options.idempotency;
  const ttlMs = (2 * verifier.toleranceSeconds + beamSender.retryWindowSeconds) * 1000;
  const report = options.onError ?? ((error: unknown) => console.error("taskhook:", error));
  const bodyTimeoutMs = checkNumber("bodyTimeoutMs", options.bodyTimeoutMs, DEFAULT_BODY_TIMEOUT_MS);
  const taskTtlMs = checkNumber("taskRecordTtlMs", options.taskRecordTtlMs, 0);
  const errorResponse = errorResponder<C>(report);
  const reportRefusal = createRefusalReporter({
    secret: options.secret,
    toleranceSeconds: verifier.toleranceSeconds,
    now: options.now ?? Date.now,
    onRejected: options.onRejected,
    onError: report,
  });
  const budget = createBodyBudget(checkBodyBudget(options.maxBodyBytesInFlight, verifier.maxBodyBytes));
  const settleEarly = createEarlyRefusals(bodyTimeoutMs);

  type Claim = { key?: string } | CallbackResponse<C>;

  /**
   * Claims the delivery in the store: its key, or the answer for a duplicate or a store outage.
   * The memory store answers at once, without a promise (most receivers run on it).
   */
  function claim(callback: C): Claim | Promise<Claim> {
    if (store === false) return {};
    // The signature is already a MAC of the body and timestamp, so the key needs no hash of its
    // own. The status is not signed: a TIMEOUT and a delivery of the same bytes in the same
    // second share a signature and are two callbacks. A task id may hold ":", but the status
    // cannot and the signature is 64 hex digits, so the key reads back one way only.
    const key = `${callback.taskId}:${callback.status}:${callback.signature}`;
    const sync = taskTtlMs > 0 ? undefined : syncStoreOf(store);
    try {
      if (sync !== undefined) return claimed(sync.begin(key, ttlMs), key, callback);
      const state = taskTtlMs > 0 ? beginWithTask(store, key, callback.taskId, ttlMs) : store.begin(key, ttlMs);
      return state.then(
        (value) => claimed(value, key, callback),
        (error: unknown) => storeDown(error, callback),
      );
    } catch (error) {
      return storeDown(error, callback);
    }
  }

  function claimed(state: BeginResult, key: string, callback: C): Claim {
    if (state === "done") return reply(200, duplicate, callback, false);
    if (state === "in-flight") {
      const busy = new TaskCallbackError("DUPLICATE_IN_FLIGHT", "This callback is being processed; retry shortly.");
      return errorResponse(busy, callback);
    }
    return { key };
  }

  function storeDown(error: unknown, callback: C): CallbackResponse<C> {
    report(error, callback);
    const message = "The idempotency store is unavailable; retry shortly.";
    return errorResponse(new TaskCallbackError("STORE_UNAVAILABLE", message, { cause: error }), callback);
  }

  /**
   * Runs the handler or the route. A failure, or a route that answered 5xx, releases the
   * delivery so Beam's retry runs it again; a success marks it done.
   */
  function dispatch(
    callback: C,
    key: string | undefined,
    route: RunRoute<C> | undefined,
  ): CallbackResponse<C> | Promise<CallbackResponse<C>> {
    const outcome = runHandler(callback, route, options.onCallback);
    if (isThenable(outcome)) return outcome.then((done) => answer(callback, key, route, done));
    return answer(callback, key, route, outcome);
  }

  /** The answer once the handler or route ran: settled in the store first, at once for the memory store. */
  function answer(callback: C, key: string | undefined, route: RunRoute<C> | undefined, outcome: HandlerOutcome) {
    if (outcome.failure !== undefined) return failed(callback, key, outcome.failure.error, outcome.routeStatus);
    const response = reply(outcome.routeStatus ?? 200, received, callback, true);
    response.routeAnswered = route !== undefined;
    const settled = settle(callback, key, true);
    return settled === undefined ? response : settled.then(() => response);
  }

  /** After a failure: the delivery freed for Beam's retry, and the route's 5xx or core's error answer. */
  async function failed(callback: C, key: string | undefined, error: unknown, routeStatus: number | undefined) {
    report(error, callback);
    await settle(callback, key, false);
    if (routeStatus !== undefined) {
      const response = reply(routeStatus, empty, callback, false);
      response.routeAnswered = true;
      return response;
    }
    // A handler that hands callbacks on (a queue) reports its store being down the way the
    // idempotency store does: 503 with Retry-After, so Beam retries.
    if (isTaskCallbackError(error) && error.code === "STORE_UNAVAILABLE") return errorResponse(error, callback);
    const message = "The callback handler failed; the error is logged on the server.";
    return errorResponse(new TaskCallbackError("HANDLER_FAILED", message), callback);
  }

  /**
   * Marks the delivery (and its task) processed after success, or frees both for a retry. The
   * memory store settles at once (`undefined`); other stores give the promise to wait for.
   */
  function settle(callback: C, key: string | undefined, handled: boolean): Promise<void> | undefined {
    if (key === undefined || store === false) return undefined;
    const sync = taskTtlMs > 0 ? undefined : syncStoreOf(store);
    if (sync !== undefined) {
      try {
        if (handled) sync.complete(key, ttlMs);
        else sync.release(key);
      } catch (error) {
        report(error, callback);
      }
      return undefined;
    }
    const settled =
      taskTtlMs > 0
        ? settleWithTask(store, key, callback.taskId, handled, { ttlMs, recordTtlMs: taskTtlMs })
        : handled
          ? store.complete(key, ttlMs)
          : store.release(key);
    return settled.catch((error: unknown) => report(error, callback));
  }

  async function processRequest(request: CallbackRequest, route?: RunRoute<C>): Promise<CallbackResponse<C>> {
    let callback: C;
    let body: Uint8Array | ArrayBuffer | string | undefined;
    try {
      checkMethod(request);
      // Read once: the checks before the body and the verification after it share them.
      const headers = new CallbackHeaders(request.headers);
      if (isRaw(request.body)) body = request.body;
      else {
        body = await readChecked(headers, request.body, verifier, budget, bodyTimeoutMs, async (error, length) => {
          body = await settleEarly(error, request.body as BodySource, length);
        });
      }
      const input = { headers, body };
      callback = verifyNow === undefined ? await verifier.verify(input) : verifyNow(input);
    } catch (error) {
      const response = errorResponse(error);
      await reportRefusal(error, response.status, request.headers, body);
      return response;
    }
    const claiming = claim(callback);
    const claimed = isThenable(claiming) ? await claiming : claiming;
    if ("status" in claimed) return claimed;
    const answering = dispatch(callback, claimed.key, route);
    return isThenable(answering) ? await answering : answering;
  }

  function answerError(error: TaskCallbackError): CallbackResponse<C> {
    const response = errorResponse(error);
    void reportRefusal(error, response.status, undefined, undefined);
    return response;
  }

  return { process: processRequest, answerError };
}

/** Anything but POST is refused, when the framework left the method to us. */
function checkMethod(request: CallbackRequest): void {
  if (request.method !== undefined && request.method.toUpperCase() !== "POST") {
    throw methodNotAllowed(request.method.toUpperCase(), request.headers);
  }
}

/** A streamed body: checked by its headers and admitted by the budget before a byte is read. */
async function readChecked(
  headers: CallbackHeaders,
  source: BodySource | null | undefined,
  verifier: Verifier<AnyTaskCallback>,
  budget: BodyBudget,
  timeoutMs: number,
  refusedEarly: (error: unknown, contentLength: string | undefined) => Promise<void>,
): Promise<Uint8Array> {
  const contentLength = headers.get("content-length");
  // A request that cannot verify, or that the budget has no room for, is refused before a
  // byte of its body is read (and the body let go), not after the whole upload.
  let lease: ReturnType<BodyBudget["admit"]>;
  try {
    verifier.checkHeaders(headers);
    lease = budget.admit(contentLength, verifier.maxBodyBytes);
  } catch (error) {
    await refusedEarly(error, contentLength);
    throw error;
  }
  try {
    return await readBody(source, {
      maxBodyBytes: verifier.maxBodyBytes,
      contentLength,
      timeoutMs,
      onChunk: lease.take,
    });
  } finally {
    lease.release();
  }
}

/** `maxBodyBytesInFlight`: default 64 MiB (or `maxBodyBytes`), never below `maxBodyBytes`. */
function checkBodyBudget(value: number | undefined, maxBodyBytes: number): number {
  const limit = checkNumber("maxBodyBytesInFlight", value, Math.max(DEFAULT_MAX_BODY_BYTES_IN_FLIGHT, maxBodyBytes));
  if (limit !== 0 && limit < maxBodyBytes) {
    throw new TypeError(
      `taskhook: \`maxBodyBytesInFlight\` (${limit}) must be at least maxBodyBytes (${maxBodyBytes}), or 0 to turn it off; otherwise the largest callbacks could never be read.`,
    );
  }
  return limit;
}

/**
 * A GET or HEAD that carries Beam's signature is a callback a 301, 302 or 303 redirect turned
 * into a bodyless GET: say so, since the sender's own URL is what needs fixing.
 */
function methodNotAllowed(method: string, headers: CallbackRequest["headers"]): TaskCallbackError {
  if ((method === "GET" || method === "HEAD") && readHeader(headers, headerNames.signature) !== undefined) {
    const codes = beamSender.redirectsToGet;
    return new TaskCallbackError(
      "METHOD_NOT_ALLOWED",
      `A ${method} carrying ${headerNames.signature} is Beam's callback after a ${codes.slice(0, -1).join(", ")} or ${codes.at(-1)} redirect, which turns its POST into a GET without the body: this callback is lost. Set the callback_url to the final URL; the usual causes are http:// redirected to https:// and a trailing slash added or removed.`,
    );
  }
  return new TaskCallbackError("METHOD_NOT_ALLOWED", "Beam delivers callbacks with POST.");
}

/** What running the handler or the route gave: a failure, and the route's status when it answered. */
interface HandlerOutcome {
  failure?: { error: unknown };
  routeStatus?: number;
}

const succeeded: HandlerOutcome = Object.freeze({});

/**
 * Runs `onCallback`, or the route with the status it answered. A rejection, or a route that
 * answered 500 or more, is a failure: the callback stays unprocessed for Beam's retry. A
 * synchronous `onCallback` gives its outcome at once, without a promise.
 */
function runHandler<C extends AnyTaskCallback>(
  callback: C,
  route: RunRoute<C> | undefined,
  onCallback: ((callback: C) => unknown) | undefined,
): HandlerOutcome | Promise<HandlerOutcome> {
  if (route !== undefined) return runRoute(callback, route);
  try {
    const done = onCallback?.(callback);
    if (typeof (done as PromiseLike<unknown> | undefined)?.then !== "function") return succeeded;
    return Promise.resolve(done).then(
      () => succeeded,
      (error: unknown) => ({ failure: { error } }),
    );
  } catch (error) {
    return { failure: { error } };
  }
}

async function runRoute<C extends AnyTaskCallback>(callback: C, route: RunRoute<C>): Promise<HandlerOutcome> {
  try {
    const routeStatus = await route(callback);
    if (typeof routeStatus !== "number") return succeeded;
    if (routeStatus < 500) return { routeStatus };
    const message = `The route answered ${routeStatus}; the callback stays unprocessed for Beam's retry.`;
    return { routeStatus, failure: { error: new Error(message) } };
  } catch (error) {
    return { failure: { error } };
  }
}

/** Turns any error into the answer from core's status table, reporting what an operator must see. */
function errorResponder<C extends AnyTaskCallback>(report: (error: unknown, callback?: C) => void) {
  return (error: unknown, callback?: C): CallbackResponse<C> => {
    if (!isTaskCallbackError(error)) {
      report(error, callback);
      error = new TaskCallbackError("INTERNAL_ERROR", "taskhook failed to process the callback.");
    }
    const { code, message, status } = error as TaskCallbackError;
    // A misconfigured server answers Beam 500 on every callback: say so where the operator looks.
    if (code === "BODY_ALREADY_PARSED") report(error, callback);
    const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
    const response = reply(status, body, callback, false);
    if (status === 503) response.headers["retry-after"] = "1";
    if (code === "METHOD_NOT_ALLOWED") response.headers.allow = "POST";
    // The rest of a late body may still be on its way; the connection cannot be reused (RFC 9110 408).
    if (code === "REQUEST_TIMEOUT") response.headers.connection = "close";
    return response;
  };
}

function reply<C extends AnyTaskCallback>(status: number, body: string, callback: C | undefined, handled: boolean) {
  const response: CallbackResponse<C> = {
    status,
    headers: { "content-type": contentType },
    body,
    handled,
    routeAnswered: false,
  };
  if (callback !== undefined) response.callback = callback;
  return response;
}

/**
 * A promise, from this realm or another (a store or handler running in a VM context gives
 * promises `instanceof Promise` does not recognise): the synchronous paths skip the `await`.
 */
function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === "function";
}

function isRaw(body: CallbackRequest["body"]): body is Uint8Array | ArrayBuffer | string {
  return typeof body === "string" || isBinary(body);
}
