import type { IncomingMessage } from "node:http";
import type { InferCallback, SchemaOption, TaskCallback } from "@taskhook/core";
import {
  createCallbackProcessor,
  discardUnreadBody,
  nodeRequestBody,
  type ProcessorOptions,
} from "@taskhook/core/adapter";
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";

declare module "fastify" {
  interface FastifyRequest {
    /** The verified Beam callback, on the route `taskCallback` adds; `null` elsewhere. */
    taskCallback: TaskCallback | null;
  }
}

/** Options for {@link taskCallback}: core's processor options, the route's path and handler. */
export interface TaskCallbackPluginOptions<S extends SchemaOption | undefined = undefined> extends ProcessorOptions<S> {
  /** Where the callback route listens, e.g. `"/beam"` (under the register `prefix`, if any). */
  path: string;
  /**
   * Your route handler, run once per verified callback with `request.taskCallback` set; its
   * answer is sent. Throwing, or answering 500 or more, leaves the callback unprocessed, so
   * Beam's retry runs it again. Without it, the plugin answers by itself after `onCallback`.
   */
  handler?: (
    this: FastifyInstance,
    request: FastifyRequest & { taskCallback: InferCallback<S> },
    reply: FastifyReply,
  ) => unknown;
}

const meta = { name: "@taskhook/fastify", fastify: "5.x", encapsulate: true } as const;

async function plugin(app: FastifyInstance, options: TaskCallbackPluginOptions<SchemaOption | undefined>) {
  const { path, handler, ...rest } = options;
  if (handler === undefined && rest.onCallback === undefined) {
    // Answering 200 with nobody listening would lose every callback for good.
    throw new TypeError("@taskhook/fastify: pass `handler` (your route) or `onCallback`; neither was given.");
  }
  // The plugin owns its route's body: core's default (all Beam sends, 16 MiB) or an explicit
  // maxBodyBytes, whatever the app's bodyLimit (1 MiB by default), which would refuse real callbacks.
  const processor = createCallbackProcessor(rest);

  // This scope only: the stream goes to core as it is, read within both limits and bodyTimeoutMs.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
  app.decorateRequest("taskCallback", null);

  // The plugin owns the path: other methods are answered 405 with `Allow: POST`, by core.
  app.all(path, async function (request, reply) {
    const stream = request.body as IncomingMessage | undefined;
    let answer: unknown;
    const runRoute = async (callback: TaskCallback) => {
      request.taskCallback = callback;
      answer = await handler?.call(this, request as typeof request & { taskCallback: TaskCallback }, reply);
      return reply.statusCode;
    };
    const body = stream === undefined ? null : nodeRequestBody(stream);
    const result = await processor.process(
      { method: request.method, headers: request.headers, body },
      handler && runRoute,
    );

    if (reply.sent) return reply;
    if (result.routeAnswered) return answer;
    if (stream !== undefined) discardUnreadBody(request.raw);
    return reply.code(result.status).headers(result.headers).send(result.body);
  });
}

/**
 * Fastify plugin that adds one route receiving Beam task callbacks: it verifies them (signature,
 * timestamp, body) and answers errors from core's table as `{"error": {"code", "message"}}`.
 * The route has its own body handling: the raw bytes are read within `maxBodyBytes` (16 MiB,
 * the most Beam sends, unless you set it), whatever Fastify's `bodyLimit`; the rest of the app
 * parses bodies as before.
 *
 * Two ways to use it:
 * - With `onCallback`: it runs `onCallback` and answers by itself.
 * - With `handler`: your route handler runs with `request.taskCallback`, and its answer is
 *   sent; throwing or answering 5xx leaves the callback unprocessed for Beam's retry. Options
 *   passed through `register` leave `data` untyped: {@link createTaskCallbackPlugin} types it
 *   from `schema`.
 *
 * @example
 * ```ts
 * import Fastify from "fastify";
 * import { taskCallback } from "@taskhook/fastify";
 *
 * const app = Fastify();
 * await app.register(taskCallback, {
 *   path: "/beam",
 *   secret: process.env.BEAM_SIGNING_KEY!,
 *   handler: async (request) => {
 *     const { taskId, status, data } = request.taskCallback;
 *     await saveResult(taskId, status, data);
 *     return { ok: true };
 *   },
 * });
 * ```
 */
export const taskCallback: FastifyPluginAsync<TaskCallbackPluginOptions<SchemaOption | undefined>> = fp(plugin, meta);

/**
 * Builds the {@link taskCallback} plugin with its options, so that `schema` types
 * `request.taskCallback` in your `handler` (options passed through `register` cannot carry
 * that type). Register it without options; `prefix` works as usual.
 *
 * @example
 * ```ts
 * import Fastify from "fastify";
 * import { z } from "zod";
 * import { createTaskCallbackPlugin } from "@taskhook/fastify";
 *
 * const app = Fastify();
 * await app.register(createTaskCallbackPlugin({
 *   path: "/beam",
 *   secret: process.env.BEAM_SIGNING_KEY!,
 *   schema: z.object({ result: z.number() }),
 *   handler: async (request) => {
 *     const callback = request.taskCallback;
 *     if (callback.status === "COMPLETE") await saveResult(callback.taskId, callback.data.result);
 *     return { ok: true };
 *   },
 * }));
 * ```
 */
export function createTaskCallbackPlugin<S extends SchemaOption | undefined = undefined>(
  options: TaskCallbackPluginOptions<S>,
): FastifyPluginAsync {
  return fp((app) => plugin(app, options as TaskCallbackPluginOptions<SchemaOption | undefined>), meta);
}

// What a user of this adapter needs besides it, so its README's imports come from this package.
export {
  createTestCallback,
  isTaskCallbackError,
  type TaskCallback,
  TaskCallbackError,
  type TaskCallbackErrorCode,
} from "@taskhook/core";
