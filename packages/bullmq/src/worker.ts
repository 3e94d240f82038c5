import {
  createVerifier,
  type InferCallback,
  isTaskCallbackError,
  type SchemaOption,
  type VerifierOptions,
} from "@taskhook/core";
import { headerNames, readHeader } from "@taskhook/core/adapter";
import { type Job, UnrecoverableError, Worker, type WorkerOptions } from "bullmq";
import { type CallbackJobData, jobBody } from "./job.js";

/** Options for {@link createCallbackWorker}: the verifier's, plus the queue and the handler. */
export interface CallbackWorkerOptions<S extends SchemaOption | undefined = undefined>
  extends Omit<VerifierOptions<S>, "now"> {
  /** The queue name the handoff's `Queue` uses. */
  queue: string;
  /** Runs once per callback job; throwing retries the job with the handoff's backoff. */
  handler: (callback: InferCallback<S>, job: Job<CallbackJobData>) => unknown;
  /** BullMQ worker options; `connection` is required (as for any BullMQ worker). */
  worker: WorkerOptions;
}

/**
 * A BullMQ worker for callback jobs. Each job is verified again, with the clock set to the
 * callback's own timestamp, before the handler runs: a job written into Redis by anyone
 * without the signing key fails for good (BullMQ's `UnrecoverableError`) and stays in the
 * failed set with the reason. The handler gets the typed callback (schema applied).
 *
 * @example
 * ```ts
 * import { createCallbackWorker } from "@taskhook/bullmq";
 *
 * const worker = createCallbackWorker({
 *   queue: "beam-callbacks",
 *   secret: process.env.BEAM_SIGNING_KEY!,
 *   worker: { connection: { host: "127.0.0.1" }, concurrency: 10 },
 *   handler: async (callback) => saveResult(callback.taskId, callback.data),
 * });
 * ```
 */
export function createCallbackWorker<S extends SchemaOption | undefined = undefined>(
  options: CallbackWorkerOptions<S>,
): Worker<CallbackJobData> {
  const { queue, handler, worker, ...verifierOptions } = options;
  const verify = createJobVerifier<S>(verifierOptions as VerifierOptions<S>);
  return new Worker<CallbackJobData>(
    queue,
    async (job) => {
      await handler(await verify(job.data), job);
    },
    worker,
  );
}

/**
 * Verifies a stored callback job at its own timestamp; refusals become `UnrecoverableError`s.
 * Exported for workers that run jobs their own way (a sandboxed processor, a flow).
 *
 * @example
 * ```ts
 * const verify = createJobVerifier({ secret });
 * const worker = new Worker("beam-callbacks", async (job) => save(await verify(job.data)), { connection });
 * ```
 */
export function createJobVerifier<S extends SchemaOption | undefined = undefined>(
  options: VerifierOptions<S>,
): (data: CallbackJobData) => Promise<InferCallback<S>> {
  return async (data) => {
    const refuse = (reason: string) => new UnrecoverableError(`taskhook: job refused, not retried: ${reason}`);
    if (
      typeof data !== "object" ||
      data === null ||
      typeof data.body !== "string" ||
      typeof data.headers !== "object"
    ) {
      throw refuse("its data is not { headers, body, bodyEncoding } as createCallbackHandoff writes it.");
    }
    const timestamp = Number(readHeader(data.headers, headerNames.timestamp));
    if (!Number.isSafeInteger(timestamp)) throw refuse(`${headerNames.timestamp} is missing or not a number.`);
    // A verifier per job: its clock is the callback's own timestamp, so a job verifies however
    // late it runs, and only with the key.
    const verifier = createVerifier<S>({ ...options, now: () => timestamp * 1000 });
    try {
      return await verifier.verify({ headers: data.headers, body: jobBody(data) });
    } catch (error) {
      if (isTaskCallbackError(error)) throw refuse(`${error.code}: ${error.message}`);
      throw error;
    }
  };
}
