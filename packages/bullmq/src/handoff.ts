import { type TaskCallback, TaskCallbackError } from "@taskhook/core";
import { beamSender, DEFAULT_TOLERANCE_SECONDS } from "@taskhook/core/adapter";
import type { BackoffOptions, Queue } from "bullmq";
import { callbackJobId, minimumKeepSeconds, toJobData } from "./job.js";

/** Default attempts per callback job: the first run and seven retries. */
export const DEFAULT_ATTEMPTS = 8;
/** Default backoff: exponential from 1 s (1, 2, 4 ... 64 s: about two minutes in all). */
export const DEFAULT_BACKOFF: BackoffOptions = { type: "exponential", delay: 1000 };

/** Default longest wait for Redis to store a job: a third of Beam's 30 s read timeout. */
export const DEFAULT_TIMEOUT_MS = beamSender.readTimeoutMs / 3;
const RETRY_PAUSE_MS = 100;

/** Options for {@link createCallbackHandoff}. */
export interface CallbackHandoffOptions {
  /** The BullMQ queue callbacks go to; {@link createCallbackWorker} reads the same queue name. */
  queue: Queue;
  /** Runs per callback before it is dead-lettered. Default {@link DEFAULT_ATTEMPTS}. */
  attempts?: number;
  /** Delay between runs. Default {@link DEFAULT_BACKOFF}. */
  backoff?: number | BackoffOptions;
  /** The receiver's `toleranceSeconds`, to keep completed job ids long enough. Default 60. */
  toleranceSeconds?: number;
  /**
   * Seconds completed jobs are kept. Their ids are what turns a Beam retry or a replay away,
   * so this is at least `2 * toleranceSeconds + 60`. Default one hour.
   */
  keepCompletedSeconds?: number;
  /**
   * Seconds dead-lettered (failed) jobs are kept, or `false` to keep them until removed.
   * Default `false`.
   */
  keepFailedSeconds?: number | false;
  /**
   * Longest wait for Redis to store the job, trying again while it reconnects, before the
   * receiver answers 503. Keep it well under Beam's 30 s read timeout. Default 10 000 ms.
   */
  timeoutMs?: number;
}

/**
 * Returns an `onCallback` for any taskhook adapter that stores each verified callback as one
 * BullMQ job and resolves once it is stored, so the adapter answers 200 in milliseconds.
 * Duplicates (Beam's retries, replays, a second receiver) map to the same job id and add
 * nothing. When Redis cannot store the job within `timeoutMs` it throws `STORE_UNAVAILABLE`:
 * the adapter answers 503 with `Retry-After`, and Beam retries.
 *
 * @example
 * ```ts
 * import { Queue } from "bullmq";
 * import { taskCallback } from "@taskhook/hono";
 * import { createCallbackHandoff } from "@taskhook/bullmq";
 *
 * const queue = new Queue("beam-callbacks", { connection: { host: "127.0.0.1" } });
 * app.post("/beam", taskCallback({ secret, idempotency: false, onCallback: createCallbackHandoff({ queue }) }));
 * ```
 */
export function createCallbackHandoff(options: CallbackHandoffOptions): (callback: TaskCallback) => Promise<void> {
  const { queue } = options;
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const minimum = minimumKeepSeconds(tolerance);
  const keepCompleted = options.keepCompletedSeconds ?? Math.max(3600, minimum);
  if (!(keepCompleted >= minimum)) {
    throw new RangeError(
      `taskhook: keepCompletedSeconds must be at least ${minimum} (2 x toleranceSeconds + 60), or a Beam retry could queue a callback twice.`,
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const jobOptions = {
    attempts: options.attempts ?? DEFAULT_ATTEMPTS,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    removeOnComplete: { age: keepCompleted },
    removeOnFail:
      options.keepFailedSeconds === undefined || options.keepFailedSeconds === false
        ? false
        : { age: options.keepFailedSeconds },
  };

  return async function handOff(callback: TaskCallback): Promise<void> {
    const jobId = callbackJobId(callback.taskId, callback.status, callback.signature);
    const add = () => queue.add(`${callback.taskId} ${callback.status}`, toJobData(callback), { ...jobOptions, jobId });
    try {
      await untilStored(add, timeoutMs);
    } catch (error) {
      throw new TaskCallbackError("STORE_UNAVAILABLE", "The callback queue is unavailable; retry shortly.", {
        cause: error,
      });
    }
  };
}

/**
 * Adds the job, trying again while Redis reconnects, for up to `timeoutMs`. Beam retries a 503
 * only twice within ~1.5 s, so a short Redis restart is better met with a slower answer than a
 * fast refusal. Trying again is safe: the job id makes a second add of a stored job a no-op.
 */
async function untilStored(add: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not store the job within ${timeoutMs} ms`)), left);
    });
    try {
      await Promise.race([add(), timeout]);
      return;
    } catch (error) {
      if (deadline - Date.now() < RETRY_PAUSE_MS) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    } finally {
      clearTimeout(timer);
    }
  }
}
