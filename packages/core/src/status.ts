import { failureStatuses, taskStatuses } from "./beam.js";

export { taskStatuses };

/** One of Beam's eight known statuses. */
export type KnownTaskStatus = (typeof taskStatuses)[number];

/**
 * A task status: one of Beam's known statuses, or an upper-case word Beam may add later
 * (kept as a string, never rejected). Editors still suggest the known ones.
 */
export type TaskStatus = KnownTaskStatus | (string & {});

const failures: ReadonlySet<string> = new Set(failureStatuses);

/**
 * True for `COMPLETE`: the task returned and `data` holds its result.
 *
 * @example
 * ```ts
 * if (isSuccessStatus(callback.status)) await saveResult(callback.data);
 * ```
 */
export function isSuccessStatus(status: TaskStatus): status is "COMPLETE" {
  return status === "COMPLETE";
}

/**
 * True when the task ended without a result: `ERROR`, `CANCELLED`, `EXPIRED` or `TIMEOUT`.
 * Unknown future statuses are neither success nor failure.
 *
 * @example
 * ```ts
 * if (isFailureStatus(callback.status)) await markFailed(callback.taskId);
 * ```
 */
export function isFailureStatus(status: TaskStatus): status is (typeof failureStatuses)[number] {
  return failures.has(status);
}

/** True for one of Beam's eight statuses, false for a status this version does not know. */
export function isKnownStatus(status: TaskStatus): status is KnownTaskStatus {
  return (taskStatuses as readonly string[]).includes(status);
}
