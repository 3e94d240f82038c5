import type { BeginResult, IdempotencyStore } from "./idempotency.js";

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
 * (`<task id>:<status>:<64 hex digits>`, never ending in a kind) in the same store. `"callback"` is completed when a callback for the task
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
 * Claims a delivery and its task together (one round trip to the store, both in parallel),
 * so a callback and the reconciler never run the handler for the same task at the same
 * time, and a callback for a task the reconciler delivered is a duplicate. Whatever was
 * claimed is let go again when the other answer says the handler must not run.
 */
export async function beginWithTask(
  store: IdempotencyStore,
  delivery: string,
  taskId: string,
  ttlMs: number,
): Promise<BeginResult> {
  const task = taskRecordKey(taskId, "reconciled");
  const [own, held] = await Promise.allSettled([store.begin(delivery, ttlMs), store.begin(task, ttlMs)]);
  const claimed = (result: PromiseSettledResult<BeginResult>) =>
    result.status === "fulfilled" && result.value === "new";
  if (own.status === "rejected" || held.status === "rejected") {
    await Promise.all([
      claimed(own) ? store.release(delivery) : undefined,
      claimed(held) ? store.release(task) : undefined,
    ]).catch(() => {});
    throw own.status === "rejected" ? own.reason : (held as PromiseRejectedResult).reason;
  }
  if (own.value !== "new") {
    if (held.value === "new") await store.release(task);
    return own.value;
  }
  // The reconciler delivered the task: this delivery is a duplicate from now on.
  if (held.value === "done") await store.complete(delivery, ttlMs);
  if (held.value === "in-flight") await store.release(delivery);
  return held.value;
}

/**
 * Settles what {@link beginWithTask} claimed: after a handled callback, marks the delivery
 * processed (for `ttlMs`) and records the task as handled (for `recordTtlMs`) before letting
 * go of the task; after a failure, lets go of both so Beam's retry runs the handler again.
 */
export async function settleWithTask(
  store: IdempotencyStore,
  delivery: string,
  taskId: string,
  handled: boolean,
  ttls: { ttlMs: number; recordTtlMs: number },
): Promise<void> {
  const task = taskRecordKey(taskId, "reconciled");
  if (!handled) {
    await Promise.all([store.release(delivery), store.release(task)]);
    return;
  }
  await Promise.all([
    store.complete(delivery, ttls.ttlMs),
    store.complete(taskRecordKey(taskId, "callback"), ttls.recordTtlMs),
  ]);
  await store.release(task);
}
