import type { IdempotencyStore } from "./idempotency.js";

/**
 * How long the processor remembers that a task's callback was processed, by default: 24 h.
 * `@taskhook/reconcile` reads these records to skip tasks that already reached the handler,
 * so keep it at least as long as the reconciler's lookback.
 */
export const DEFAULT_TASK_RECORD_TTL_MS = 24 * 60 * 60 * 1000;

/** Who handled a task: a verified callback, or `@taskhook/reconcile` recovering it from Beam's API. */
export type TaskRecordKind = "callback" | "reconciled";

/**
 * The {@link IdempotencyStore} key of a task-level record, next to the per-delivery keys
 * (64 hex digits) in the same store. `"callback"` is completed when a callback for the task
 * was handled; `"reconciled"` is claimed while the task is handled by either path and
 * completed once the reconciler delivered it, so a late callback is then a duplicate.
 *
 * @example
 * ```ts
 * const state = await store.begin(taskRecordKey(taskId, "reconciled"), 60_000);
 * ```
 */
export function taskRecordKey(taskId: string, kind: TaskRecordKind): string {
  return `task:${taskId}:${kind}`;
}

/**
 * Claims the task for the delivery already claimed under `delivery`, so a callback and the
 * reconciler never run the handler for the same task at the same time, and a callback for a
 * task the reconciler delivered is a duplicate. The delivery's claim is settled to match.
 */
export async function claimTask(
  store: IdempotencyStore,
  delivery: string,
  taskId: string,
  ttlMs: number,
): Promise<"new" | "in-flight" | "done"> {
  let state: Awaited<ReturnType<IdempotencyStore["begin"]>>;
  try {
    state = await store.begin(taskRecordKey(taskId, "reconciled"), ttlMs);
  } catch (error) {
    await store.release(delivery).catch(() => {});
    throw error;
  }
  if (state === "done") await store.complete(delivery, ttlMs);
  if (state === "in-flight") await store.release(delivery);
  return state;
}

/**
 * Settles the task claim of {@link claimTask}: after a handled callback, records the task as
 * processed (for `recordTtlMs`) before letting go of the claim; after a failure, lets go only.
 */
export async function settleTask(
  store: IdempotencyStore,
  taskId: string,
  handled: boolean,
  recordTtlMs: number,
): Promise<void> {
  if (handled) await store.complete(taskRecordKey(taskId, "callback"), recordTtlMs);
  await store.release(taskRecordKey(taskId, "reconciled"));
}
