import { beamSender } from "./beam.js";
import { afterDeadline } from "./deadlines.js";
import { isBinary, toBytes } from "./encoding.js";
import { isTaskCallbackError, TaskCallbackError } from "./errors.js";
import { bodyTooLarge } from "./verify.js";

/** Default time the whole body may take to arrive: 30 s, the read timeout of Beam's sender. */
export const DEFAULT_BODY_TIMEOUT_MS: number = beamSender.readTimeoutMs;

/**
 * A request body as frameworks expose it: a Web stream, a Node stream (async iterable), or a
 * whole Web `Request` (so a body of known, acceptable length is read in one `arrayBuffer()`
 * call, which Node servers implement far faster than a Web stream).
 */
export type BodySource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string> | RequestLike;

/** What {@link readBody} needs of a Web `Request`. */
export interface RequestLike {
  readonly body: ReadableStream<Uint8Array> | null;
  readonly bodyUsed: boolean;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Options for {@link readBody}. */
export interface ReadBodyOptions {
  /** Largest body accepted; reading stops as soon as it is passed. */
  maxBodyBytes: number;
  /** The request's `Content-Length`, if any: refused at once when already over the limit. */
  contentLength?: string | number | null | undefined;
  /**
   * Milliseconds the whole body may take to arrive, counted from the call; past it, reading
   * stops with `REQUEST_TIMEOUT` (a body trickled byte by byte never holds the request open).
   * Default 30 s; `0` turns it off.
   */
  timeoutMs?: number | undefined;
  /**
   * Told the size of each chunk as it arrives, before it is kept; throwing stops the read with
   * that error. The processor counts body bytes read at once across requests with it.
   */
  onChunk?: ((bytes: number) => void) | undefined;
}

/**
 * Reads a request body into one `Uint8Array`, refusing it with `BODY_TOO_LARGE` as soon as it
 * passes `maxBodyBytes` (or at once, when `Content-Length` says so) instead of buffering an
 * upload of any size, and with `REQUEST_TIMEOUT` when it has not all arrived within `timeoutMs`.
 * Adapters use it so every framework enforces the limits the same way. A Node stream is left
 * unread but open on a timeout, so the server can still answer 408 before it closes.
 *
 * @example
 * ```ts
 * const body = await readBody(request.body, { maxBodyBytes: 1_048_576 });
 * ```
 */
export async function readBody(source: BodySource | null | undefined, options: ReadBodyOptions): Promise<Uint8Array> {
  const { maxBodyBytes } = options;
  const declared = options.contentLength == null ? Number.NaN : Number(options.contentLength);
  if (declared > maxBodyBytes) {
    await cancelBody(source);
    throw bodyTooLarge(maxBodyBytes);
  }
  if (source == null) return new Uint8Array(0);
  if (isRequest(source)) {
    if (source.bodyUsed) throw alreadyRead();
    // A declared length within the limit cannot be exceeded (HTTP framing), so read it whole.
    return declared >= 0 ? readWhole(source, options) : readBody(source.body, options);
  }
  const node = nodeStreamOf(source);
  if (node !== undefined) return readNodeStream(node.stream, options, node.keepOpen);
  if (isWebStream(source)) {
    if (source.locked) throw alreadyRead();
    const reader = source.getReader();
    return collect(
      () => reader.read(),
      () => reader.cancel().catch(() => {}),
      options,
    );
  }
  const iterator = source[Symbol.asyncIterator]();
  return collect(
    () => iterator.next(),
    // Returning a Node request's iterator destroys its socket, which would lose the 408.
    (expired) => !expired && iterator.return?.()?.catch(() => {}),
    options,
  );
}

/** What {@link readBody} needs of a Node readable stream, such as an `IncomingMessage`. */
interface NodeReadable {
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  pause(): unknown;
  destroy(): unknown;
  readonly readableEnded: boolean;
  readonly destroyed: boolean;
}

// Symbol.for, so the ESM and the CJS copy of core recognise each other's wrapper.
const keepOpenKey = Symbol.for("taskhook.nodeBodyKeptOpen");

type NodeRequestStream = NodeReadable & {
  iterator(options: { destroyOnReturn: boolean }): AsyncIterable<Uint8Array | string>;
};

/** A Node request to read by its events and leave open; iterable too, for code that expects that. */
class KeptOpenBody implements AsyncIterable<Uint8Array | string> {
  declare readonly [keepOpenKey]: true;
  constructor(readonly stream: NodeRequestStream) {}
  [Symbol.asyncIterator]() {
    return this.stream.iterator({ destroyOnReturn: false })[Symbol.asyncIterator]();
  }
}
// On the prototype: a brand read through one shape, not a computed key on every instance.
Object.defineProperty(KeptOpenBody.prototype, keepOpenKey, { value: true });

/**
 * For Node adapters: the request stream as a body source that stays open when taskhook stops
 * reading it early (a body too large, the budget spent), so the adapter can still answer and
 * then drain the rest with {@link discardUnreadBody}. A Node stream given as it is, instead,
 * is let go (destroyed without its socket), as its async iterator does.
 *
 * @example
 * ```ts
 * const result = await processor.process({ headers: req.headers, body: nodeRequestBody(req) });
 * res.writeHead(result.status, result.headers).end(result.body);
 * discardUnreadBody(req);
 * ```
 */
export function nodeRequestBody(stream: NodeRequestStream): AsyncIterable<Uint8Array | string> {
  return new KeptOpenBody(stream);
}

/** A Node stream to read by its events, unless it already ended (its async iterator says so). */
function nodeStreamOf(source: BodySource): { stream: NodeReadable; keepOpen: boolean } | undefined {
  if ((source as { [keepOpenKey]?: true })[keepOpenKey] === true) {
    const { stream } = source as KeptOpenBody;
    return stream.readableEnded || stream.destroyed ? undefined : { stream, keepOpen: true };
  }
  const stream = source as unknown as NodeReadable;
  const readable =
    typeof stream.on === "function" &&
    typeof stream.removeListener === "function" &&
    typeof stream.pause === "function" &&
    typeof stream.destroy === "function" &&
    stream.readableEnded === false &&
    stream.destroyed === false;
  return readable ? { stream, keepOpen: false } : undefined;
}

/**
 * A Node stream read through its `data` and `end` events: no async iterator, no promise per
 * chunk (the iterator was a visible share of a small callback's CPU). The same limits and
 * errors as {@link collect}; on a failure the stream is destroyed unless `keepOpen`, and left
 * paused but open on a timeout, so the server can still answer 408.
 */
function readNodeStream(stream: NodeReadable, options: ReadBodyOptions, keepOpen: boolean): Promise<Uint8Array> {
  const { maxBodyBytes, onChunk } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    let settled = false;
    const finish = (error: unknown, expired = false) => {
      if (settled) return;
      settled = true;
      cancel?.();
      stream.removeListener("data", onData);
      stream.removeListener("end", onEnd);
      stream.removeListener("error", onError);
      stream.removeListener("close", onClose);
      if (error === undefined) return resolve(concat(chunks, total));
      if (expired) stream.pause();
      else if (!keepOpen) destroyRequest(stream);
      reject(asBodyError(error));
    };
    const onData = (value: unknown) => {
      try {
        const bytes =
          typeof value === "string" || isBinary(value) ? toBytes(value as Uint8Array | string) : notBytes(value);
        total += bytes.length;
        if (total > maxBodyBytes) throw bodyTooLarge(maxBodyBytes);
        onChunk?.(bytes.length);
        chunks.push(bytes);
      } catch (error) {
        finish(error);
      }
    };
    const onEnd = () => finish(undefined);
    const onError = (error: unknown) => finish(error ?? new Error("The request body failed."));
    const onClose = () => finish(new Error("The request closed before its body ended."));
    const cancel =
      timeoutMs > 0 && Number.isFinite(timeoutMs)
        ? afterDeadline(timeoutMs, () => finish(timedOut(timeoutMs), true))
        : undefined;
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onError);
    stream.on("close", onClose);
  });
}

/**
 * Destroys a stream taskhook stopped reading, as its async iterator does: a server's request
 * is let go without its socket (Node's own `destroyer` detaches it first), so the answer, a
 * 413 say, still goes out on that connection.
 */
function destroyRequest(stream: NodeReadable): void {
  if ("socket" in stream && "complete" in stream) (stream as { socket: unknown }).socket = null;
  stream.destroy();
}

/**
 * A `Request` whose declared length is within the limit, read in one `arrayBuffer()` call,
 * raced against the deadline without a promise of its own per request.
 */
function readWhole(request: RequestLike, options: ReadBodyOptions): Promise<Uint8Array> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const whole = (buffer: ArrayBuffer) => {
    const bytes = new Uint8Array(buffer);
    if (bytes.length > options.maxBodyBytes) throw bodyTooLarge(options.maxBodyBytes);
    return bytes;
  };
  const failed = (error: unknown): never => {
    throw asBodyError(error);
  };
  let reading: Promise<ArrayBuffer>;
  try {
    reading = request.arrayBuffer();
  } catch (error) {
    return Promise.reject(asBodyError(error));
  }
  if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) return reading.then(whole, failed);
  return new Promise<Uint8Array>((resolve, reject) => {
    const cancel = afterDeadline(timeoutMs, () => reject(timedOut(timeoutMs)));
    reading.then(
      (buffer) => {
        cancel();
        try {
          resolve(whole(buffer));
        } catch (error) {
          reject(error);
        }
      },
      (error: unknown) => {
        cancel();
        reject(asBodyError(error));
      },
    );
  });
}

type Pull = () => Promise<{ done?: boolean | undefined; value?: Uint8Array | string | undefined }>;

/**
 * Pulls chunks until the source is done, within `maxBodyBytes` and the deadline. On any
 * failure `abandon` stops the source, told whether the deadline had expired.
 */
async function collect(pull: Pull, abandon: (expired: boolean) => unknown, options: ReadBodyOptions) {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const deadline = startDeadline(options.timeoutMs);
  try {
    for (;;) {
      const { done, value } = await deadline.race(pull());
      if (done) return concat(chunks, total);
      const bytes = typeof value === "string" || isBinary(value) ? toBytes(value) : notBytes(value);
      total += bytes.length;
      if (total > options.maxBodyBytes) throw bodyTooLarge(options.maxBodyBytes);
      options.onChunk?.(bytes.length);
      chunks.push(bytes);
    }
  } catch (error) {
    abandon(deadline.expired);
    throw asBodyError(error);
  } finally {
    deadline.stop();
  }
}

/** A timer that rejects every pending read with `REQUEST_TIMEOUT` once `timeoutMs` has passed. */
function startDeadline(timeoutMs = DEFAULT_BODY_TIMEOUT_MS) {
  if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) {
    return { expired: false, race: <T>(read: Promise<T>) => read, stop() {} };
  }
  // One pending read at a time, so the timer rejects just that one. Racing every read against
  // one shared timeout promise would pile a reaction onto it per chunk: a body sent in
  // one-byte chunks would grow memory until the deadline.
  const error = () => timedOut(timeoutMs);
  let rejectPending: ((reason: unknown) => void) | undefined;
  const state = {
    expired: false,
    race: <T>(read: Promise<T>) =>
      new Promise<T>((resolve, reject) => {
        if (state.expired) return reject(error());
        rejectPending = reject;
        read.then(resolve, reject);
      }),
    stop: () => cancel(),
  };
  const cancel = afterDeadline(timeoutMs, () => {
    state.expired = true;
    rejectPending?.(error());
  });
  return state;
}

function timedOut(timeoutMs: number): TaskCallbackError {
  return new TaskCallbackError(
    "REQUEST_TIMEOUT",
    `The body did not arrive within bodyTimeoutMs (${timeoutMs} ms); Beam sends it at once.`,
  );
}

function notBytes(chunk: unknown): never {
  throw new TaskCallbackError(
    "BODY_ALREADY_PARSED",
    `The body stream yields ${typeof chunk} chunks, not bytes: it was already parsed (object mode); give taskhook the raw request stream.`,
  );
}

function alreadyRead(): TaskCallbackError {
  return new TaskCallbackError(
    "BODY_ALREADY_PARSED",
    "The request body was already read before taskhook could verify it; mount taskhook before any body parser, or give it the raw bytes.",
  );
}

function isRequest(source: BodySource): source is RequestLike {
  return typeof (source as RequestLike).arrayBuffer === "function" && "bodyUsed" in source;
}

function isWebStream(source: BodySource): source is ReadableStream<Uint8Array> {
  return typeof (source as ReadableStream).getReader === "function";
}

/**
 * Lets go of a body that will not be read: a Web stream (or a `Request`'s) is cancelled; a
 * Node stream is left to the adapter, which drains it within limits after answering.
 */
export async function cancelBody(source: BodySource | null | undefined): Promise<void> {
  if (source != null && isRequest(source)) return source.bodyUsed ? undefined : cancelBody(source.body);
  if (source != null && isWebStream(source) && !source.locked) await source.cancel().catch(() => {});
}

function asBodyError(error: unknown): unknown {
  if (isTaskCallbackError(error)) return error;
  return new TaskCallbackError("INVALID_BODY", "The request body could not be read to the end.", { cause: error });
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
