import type { IncomingMessage, ServerResponse } from "node:http";
import { type TaskCallback, TaskCallbackError } from "@taskhook/core";
import {
  type CallbackResponse,
  createCallbackProcessor,
  discardUnreadBody,
  type ProcessorOptions,
  type StandardSchemaV1,
} from "@taskhook/core/adapter";

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

// Symbol.for, so the ESM and the CJS copy of this package find each other's bytes.
const rawBody = Symbol.for("@taskhook/express.rawBody");

type CallbackIncomingMessage = IncomingMessage & {
  body?: unknown;
  taskCallback?: TaskCallback;
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
 * Two ways to use it:
 * - As route middleware: it sets the typed `req.taskCallback` and calls `next()`. The callback
 *   counts as processed once the route answers below 500; an answer of 500 or more (your error
 *   handler's too), or a connection closed before any answer, leaves it unprocessed, so Beam's
 *   retry runs the route again.
 * - With `onCallback`: it runs `onCallback` and answers by itself; no route is needed.
 *
 * Mounted after a body parser that kept no raw bytes, it answers 500 `BODY_ALREADY_PARSED` at once.
 *
 * @example
 * ```ts
 * import express from "express";
 * import { taskCallback } from "@taskhook/express";
 *
 * const app = express();
 * app.post("/beam", taskCallback({ secret: process.env.BEAM_SIGNING_KEY! }), async (req, res) => {
 *   const { taskId, status, data } = req.taskCallback!;
 *   await saveResult(taskId, status, data);
 *   res.json({ ok: true });
 * });
 * ```
 */
export function taskCallback<S extends StandardSchemaV1 | undefined = undefined>(
  options: ProcessorOptions<S>,
): TaskCallbackMiddleware {
  const processor = createCallbackProcessor(options);
  const middleware = options.onCallback === undefined;

  return (req: CallbackIncomingMessage, res, next) => {
    if (req.method !== "POST") return next();
    const kept = req[rawBody] ?? (req.body instanceof Uint8Array ? req.body : undefined);
    if (kept === undefined && (req.readableDidRead || req.readableEnded)) {
      return send(res, processor.answerError(new TaskCallbackError("BODY_ALREADY_PARSED", alreadyParsed)));
    }
    let routeRan = false;

    const runRoute = (callback: TaskCallback) =>
      new Promise<number>((resolve, reject) => {
        routeRan = true;
        req.taskCallback = callback;
        res.once("close", () => {
          if (res.writableFinished) resolve(res.statusCode);
          else reject(new Error("The connection closed before the route answered."));
        });
        next();
      });

    // destroyOnReturn: false keeps the connection up when the body is refused, so the 413 gets through.
    const body = kept ?? req.iterator({ destroyOnReturn: false });
    processor.process({ headers: req.headers, body }, middleware ? runRoute : undefined).then((result) => {
      if (routeRan) return;
      send(res, result);
      discardUnreadBody(req);
    }, next);
  };
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
