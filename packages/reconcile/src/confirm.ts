import type { TaskCallback } from "@taskhook/core";
import { type BeamApiOptions, createBeamTaskApi } from "./api.js";
import type { BeamTask } from "./task.js";

/** Why a callback was not confirmed by Beam's API. */
export type ConfirmationErrorCode = "UNKNOWN_TASK" | "STATUS_MISMATCH";

/** A callback that Beam's API contradicts. Check `code`, never `instanceof`. */
export class CallbackNotConfirmedError extends Error {
  override readonly name = "CallbackNotConfirmedError";
  constructor(
    readonly code: ConfirmationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks a verified callback against Beam's API: the task exists in your workspace and ended
 * with the status the callback claims. Beam's signature covers the body and timestamp but not
 * `X-Task-ID` or `X-Task-Status`, so this binds those headers to a real task, for one API call
 * per callback. Resolves with the task as the API has it; rejects with a
 * {@link CallbackNotConfirmedError}, or a `BeamApiError` when the API cannot answer (then the
 * handler fails, the receiver answers 500 and Beam retries).
 *
 * @example
 * ```ts
 * const confirm = createCallbackConfirmer({ workspaceId, token: process.env.BEAM_TOKEN! });
 * app.post("/beam", taskCallback({ secret }), async (req, res) => {
 *   const task = await confirm(req.taskCallback);
 *   await save(task.id, req.taskCallback.data);
 *   res.sendStatus(200);
 * });
 * ```
 */
export function createCallbackConfirmer(options: BeamApiOptions): (callback: TaskCallback) => Promise<BeamTask> {
  const api = createBeamTaskApi(options);
  return async (callback) => {
    const task = await api.getTask(callback.taskId);
    if (task === null) {
      throw new CallbackNotConfirmedError(
        "UNKNOWN_TASK",
        `Beam's API knows no task ${callback.taskId} in workspace ${options.workspaceId}; the X-Task-ID header was altered or the callback is from another workspace.`,
      );
    }
    if (task.status !== callback.status) {
      throw new CallbackNotConfirmedError(
        "STATUS_MISMATCH",
        `The callback says ${callback.status} but Beam's API says task ${task.id} is ${task.status}.`,
      );
    }
    return task;
  };
}

/**
 * Wraps a handler so it runs only for callbacks Beam's API confirms (see
 * {@link createCallbackConfirmer}); pass the result as the processor's `onCallback`. An
 * unconfirmed callback makes the handler fail: the receiver answers 500 and reports the
 * error through `onError`, and the callback stays unprocessed.
 *
 * @example
 * ```ts
 * export const POST = createCallbackHandler({
 *   secret,
 *   onCallback: confirmed((callback, task) => saveResult(task.id, task.status, callback.data), {
 *     workspaceId: process.env.BEAM_WORKSPACE_ID!,
 *     token: process.env.BEAM_TOKEN!,
 *   }),
 * });
 * ```
 */
export function confirmed<T>(
  handler: (callback: TaskCallback<T>, task: BeamTask) => unknown,
  options: BeamApiOptions,
): (callback: TaskCallback<T>) => Promise<unknown> {
  const confirm = createCallbackConfirmer(options);
  return async (callback) => handler(callback, await confirm(callback as TaskCallback));
}
