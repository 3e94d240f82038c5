import type { InferCallback, SchemaOption, TaskCallback } from "@taskhook/core";
import { createCallbackProcessor, type ProcessorOptions } from "@taskhook/core/adapter";
import type { Context, MiddlewareHandler } from "hono";

/** The variables {@link taskCallback} sets: `c.var.taskCallback`. */
export interface TaskCallbackVariables<C = TaskCallback> {
  taskCallback: C;
}

/**
 * Hono middleware that verifies Beam task callbacks (signature, timestamp, body) on POST and
 * answers errors from core's table as `{"error": {"code", "message"}}`. Other methods are
 * passed on to the next handler, so mount it with `app.post` (or next to your GET routes).
 *
 * Two ways to use it:
 * - As middleware: it puts the typed callback on `c.var.taskCallback` and runs the route. A
 *   route that throws or answers 5xx fails the callback: it is not marked processed, so Beam's
 *   retry runs the route again (a thrown error is answered 500 `HANDLER_FAILED`).
 * - With `onCallback`: it runs `onCallback` and answers by itself; no route is needed.
 *
 * A duplicate delivery of a processed callback is answered 200 without running the route.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { taskCallback } from "@taskhook/hono";
 *
 * const app = new Hono();
 * app.post("/beam", taskCallback({ secret: process.env.BEAM_SIGNING_KEY! }), async (c) => {
 *   const { taskId, status, data } = c.var.taskCallback;
 *   await saveResult(taskId, status, data);
 *   return c.json({ ok: true });
 * });
 * ```
 */
export function taskCallback<S extends SchemaOption | undefined = undefined>(
  options: ProcessorOptions<S>,
): MiddlewareHandler<{ Variables: TaskCallbackVariables<InferCallback<S>> }> {
  const processor = createCallbackProcessor(options);
  const middleware = options.onCallback === undefined;

  return async (c, next) => {
    if (c.req.method !== "POST") return next();
    // The unread request goes to core as it is: no promise to wait for on the usual path.
    const body = c.req.raw.bodyUsed ? await keptBody(c) : c.req.raw;
    const request = { headers: c.req.raw.headers, body };
    const result = await processor.process(request, middleware ? runRoute : undefined);

    async function runRoute(callback: InferCallback<S>) {
      c.set("taskCallback", callback);
      await next();
      if (c.error !== undefined) throw c.error;
      return c.res.status;
    }

    // The route's own answer stands when it ran; core answers everything else.
    if (result.routeAnswered) return;
    c.res = undefined; // replace, rather than merge the failed route's headers into core's answer
    c.res = new Response(result.body, result);
  };
}

/**
 * When an earlier middleware (a validator) already read the body: the raw bytes or text Hono
 * kept. Anything else is left locked, and core answers BODY_ALREADY_PARSED.
 */
async function keptBody(c: Context) {
  const { arrayBuffer, text } = c.req.bodyCache;
  if (arrayBuffer !== undefined) return new Uint8Array(await arrayBuffer);
  return text !== undefined ? await text : c.req.raw.body;
}

// What a user of this adapter needs besides it, so its README's imports come from this package.
export {
  createTestCallback,
  isTaskCallbackError,
  type TaskCallback,
  TaskCallbackError,
  type TaskCallbackErrorCode,
} from "@taskhook/core";
