import type { IncomingMessage, ServerResponse } from "node:http";
import { type InferCallback, type SchemaOption, type TaskCallback, TaskCallbackError } from "@taskhook/core";
import {
  type CallbackResponse,
  createCallbackProcessor,
  discardUnreadBody,
  nodeRequestBody,
  type ProcessorOptions,
} from "@taskhook/core/adapter";
import type { Request, Response } from "express";

declare global {
  namespace Express {
    interface Request {
      /** The verified Beam callback, set by `taskCallback()` on the routes behind it. */
      taskCallback?: TaskCallback;
    }
  }
}

/** A Node/Express middleware: `(req, res, next)`. */
export type TaskCallbackMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Your route, run by {@link taskCallback} with the typed `req.taskCallback`. Answer with `res`
 * before it returns, or not at all: taskhook then answers `200 {"received": true}`.
 */
export type TaskCallbackHandler<C = TaskCallback> = (req: TaskCallbackRequest<C>, res: Response) => unknown;

/** Express's `Request`, with the verified callback typed by your `schema`. */
export type TaskCallbackRequest<C = TaskCallback> = Omit<Request, "taskCallback"> & { taskCallback: C };

// Symbol.for, so the ESM and the CJS copy of this package find each other's bytes.
const rawBody = Symbol.for("@taskhook/express.rawBody");

type CallbackIncomingMessage = IncomingMessage & {
  body?: unknown;
  taskCallback?: unknown;
  [rawBody]?: Uint8Array;
};

/**
 * A `verify` function for Express's body parsers that keeps the raw bytes for
 * {@link taskCallback}, so it can verify them although `express.json()` parsed the body first.
 *
 * @example
 * ```ts
 * app.use(express.json({ verify: keepRawBody }));
 * app.post("/beam", taskCallback({ secret: process.env.BEAM_SIGNING_KEY! }), handler);
 * ```
 */
export function keepRawBody(req: IncomingMessage, _res: ServerResponse, bytes: Uint8Array): void {
  (req as CallbackIncomingMessage)[rawBody] = bytes;
}

/**
 * Express (4 and 5) middleware that verifies Beam task callbacks on POST and answers errors
 * from core's table as `{"error": {"code", "message"}}`. It reads the raw body itself, refusing
 * it with 413 as soon as it passes `maxBodyBytes`, or uses the bytes {@link keepRawBody} kept.
 * Other methods are passed on with `next()`, so mount it with `app.post`.
 *
 * Three ways to use it:
 * - With your route as `handler`: it runs with the typed `req.taskCallback` (`data` typed by
 *   `schema` once `status` is checked), and its answer is sent. Throwing or rejecting is
 *   answered 500 `HANDLER_FAILED` JSON like every adapter (no message, no stack), reported to
 *   `onError`; Express's error handlers do not see it, since the answer is taskhook's.
 * - As route middleware, `app.post(path, taskCallback(options), route)`: it sets
 *   `req.taskCallback` (data `unknown`) and calls `next()`; your route's errors go to Express's
 *   error handlers, whose answer is sent.
 * - With `onCallback`: it runs `onCallback` and answers by itself; no route is needed.
 *
 * The callback counts as processed once the route answers below 500; an answer of 500 or more,
 * a failure, or a connection closed before any answer leaves it unprocessed, so Beam's retry
 * runs the route again. Mounted after a body parser that kept no raw bytes, it answers 500
 * `BODY_ALREADY_PARSED` at once.
 *
 * @example
 * ```ts
 * import express from "express";
 * import { taskCallback } from "@taskhook/express";
 *
 * const app = express();
 * const options = { secret: process.env.BEAM_SIGNING_KEY!, schema: z.object({ result: z.number() }) };
 * app.post("/beam", taskCallback(options, async (req, res) => {
 *   const callback = req.taskCallback;
 *   if (callback.status === "COMPLETE") await saveResult(callback.taskId, callback.data.result);
 *   res.json({ ok: true });
 * }));
 * ```
 */
export function taskCallback<S extends SchemaOption | undefined = undefined>(
  options: ProcessorOptions<S>,
  handler?: TaskCallbackHandler<InferCallback<S>>,
): TaskCallbackMiddleware {
  const processor = createCallbackProcessor(options);
  const hasRoute = handler !== undefined || options.onCallback === undefined;

  return (req: CallbackIncomingMessage, res, next) => {
    if (req.method !== "POST") return next();
    const kept = req[rawBody] ?? (req.body instanceof Uint8Array ? req.body : undefined);
    if (kept === undefined && (req.readableDidRead || req.readableEnded)) {
      return send(res, processor.answerError(new TaskCallbackError("BODY_ALREADY_PARSED", alreadyParsed)));
    }
    let passedOn = false;

    const runRoute = async (callback: InferCallback<S>) => {
      req.taskCallback = callback;
      if (handler === undefined) {
        passedOn = true;
        next();
        return answered(res);
      }
      await handler(req as unknown as TaskCallbackRequest<InferCallback<S>>, res as Response);
      // Not answered: taskhook answers below. Answered: its status, once the answer is out.
      return res.headersSent ? answered(res) : undefined;
    };

    // Kept open when the body is refused, so the 413 gets through; drained after the answer.
    const body = kept ?? nodeRequestBody(req);
    processor.process({ headers: req.headers, body }, hasRoute ? runRoute : undefined).then((result) => {
      // A route passed on with next() is answered by Express (its error handlers included).
      if (passedOn || res.headersSent || res.writableEnded) return;
      send(res, result);
      discardUnreadBody(req);
    }, next);
  };
}

/** The status the route answered, once its answer is out; rejects when the connection closed first. */
function answered(res: ServerResponse): Promise<number> {
  if (res.writableFinished) return Promise.resolve(res.statusCode);
  return new Promise<number>((resolve, reject) => {
    res.once("close", () => {
      if (res.writableFinished) resolve(res.statusCode);
      else reject(new Error("The connection closed before the route answered."));
    });
  });
}

function send(res: ServerResponse, { status, headers, body }: Pick<CallbackResponse, "status" | "headers" | "body">) {
  res.writeHead(status, headers).end(body);
}

const alreadyParsed =
  "A body parser read the request before taskhook could verify its raw bytes: mount taskCallback() before express.json(), or keep the bytes with express.json({ verify: keepRawBody }).";

// What a user of this adapter needs besides it, so its README's imports come from this package.
export {
  createTestCallback,
  isTaskCallbackError,
  type TaskCallback,
  TaskCallbackError,
  type TaskCallbackErrorCode,
} from "@taskhook/core";
