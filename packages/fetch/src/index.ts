import { createVerifier, type InferCallback, type SchemaOption, type VerifierOptions } from "@taskhook/core";
import { createCallbackProcessor, type ProcessorOptions, readBody } from "@taskhook/core/adapter";

/** Options for {@link createCallbackHandler}: core's processor options, `onCallback` required. */
export interface CallbackHandlerOptions<S extends SchemaOption | undefined = undefined> extends ProcessorOptions<S> {
  /** Runs once per verified callback. Throw (or reject) to answer 500, so Beam retries. */
  onCallback: (callback: InferCallback<S>) => unknown;
}

/**
 * Creates a Web `fetch` handler that verifies Beam task callbacks and runs `onCallback` once
 * per callback. It answers 200 `{"received": true}`, a duplicate 200 without running the
 * handler again, and errors as `{"error": {"code", "message"}}` with core's status (405 with
 * `Allow: POST` for other methods). The body is read as a stream, refused once it passes
 * `maxBodyBytes`. Runs unchanged on Next.js, Bun, Deno, Cloudflare Workers and Vercel Edge.
 *
 * @example
 * ```ts
 * // app/api/beam/route.ts (Next.js)
 * import { createCallbackHandler } from "@taskhook/fetch";
 *
 * export const POST = createCallbackHandler({
 *   secret: process.env.BEAM_SIGNING_KEY!,
 *   onCallback: async ({ taskId, status, data }) => saveResult(taskId, status, data),
 * });
 * ```
 */
export function createCallbackHandler<S extends SchemaOption | undefined = undefined>(
  options: CallbackHandlerOptions<S>,
): (request: Request) => Promise<Response> {
  const processor = createCallbackProcessor(options);
  return async (request) => {
    const { status, headers, body } = await processor.process({
      method: request.method,
      headers: request.headers,
      body: request,
    });
    return new Response(body, { status, headers });
  };
}

/**
 * Verifies one `Request` and returns the typed callback, or rejects with a
 * `TaskCallbackError` whose `status` is the one to answer. Reads the body within
 * `maxBodyBytes`. For a server, prefer {@link createCallbackHandler}: it keeps the imported
 * keys and removes duplicate deliveries.
 *
 * @example
 * ```ts
 * try {
 *   const { taskId, data } = await verifyRequest(request, { secret: env.BEAM_SIGNING_KEY });
 *   await saveResult(taskId, data);
 *   return Response.json({ received: true });
 * } catch (error) {
 *   if (isTaskCallbackError(error)) return Response.json(error.toJSON(), { status: error.status });
 *   throw error;
 * }
 * ```
 */
export async function verifyRequest<S extends SchemaOption | undefined = undefined>(
  request: Request,
  options: VerifierOptions<S>,
): Promise<InferCallback<S>> {
  const verifier = createVerifier(options);
  verifier.checkHeaders(request.headers); // refused before reading a body that cannot verify
  const body = await readBody(request, {
    maxBodyBytes: verifier.maxBodyBytes,
    contentLength: request.headers.get("content-length"),
  });
  return verifier.verify({ headers: request.headers, body });
}

// What a user of this adapter needs besides it, so its README's imports come from this package.
export {
  createTestCallback,
  isTaskCallbackError,
  type TaskCallback,
  TaskCallbackError,
  type TaskCallbackErrorCode,
} from "@taskhook/core";
