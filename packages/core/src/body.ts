import { isTaskCallbackError, TaskCallbackError } from "./errors.js";
import { bodyTooLarge } from "./verify.js";

/** A request body as frameworks expose it: a Web stream or a Node stream (async iterable). */
export type BodySource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;

/** Options for {@link readBody}. */
export interface ReadBodyOptions {
  /** Largest body accepted; reading stops as soon as it is passed. */
  maxBodyBytes: number;
  /** The request's `Content-Length`, if any: refused at once when already over the limit. */
  contentLength?: string | number | null | undefined;
}

/**
 * Reads a request body into one `Uint8Array`, refusing it with `BODY_TOO_LARGE` as soon as it
 * passes `maxBodyBytes` (or at once, when `Content-Length` says so) instead of buffering an
 * upload of any size. Adapters use it so every framework enforces the limit the same way.
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
    await cancel(source);
    throw bodyTooLarge(maxBodyBytes);
  }
  if (source == null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const take = (chunk: Uint8Array | string) => {
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
    total += bytes.length;
    if (total > maxBodyBytes) throw bodyTooLarge(maxBodyBytes);
    chunks.push(bytes);
  };
  if (isWebStream(source)) {
    if (source.locked) {
      throw new TaskCallbackError(
        "BODY_ALREADY_PARSED",
        "The request body was already read before taskhook could verify it; mount taskhook before any body parser, or give it the raw bytes.",
      );
    }
    const reader = source.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        take(value);
      }
    } catch (error) {
      reader.cancel().catch(() => {});
      throw asBodyError(error);
    }
  } else {
    try {
      for await (const chunk of source) take(chunk);
    } catch (error) {
      throw asBodyError(error);
    }
  }
  return concat(chunks, total);
}

function isWebStream(source: BodySource): source is ReadableStream<Uint8Array> {
  return typeof (source as ReadableStream).getReader === "function";
}

async function cancel(source: BodySource | null | undefined): Promise<void> {
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
