import type { TaskStatus } from "@taskhook/core";

/** The statuses a task ends in (beta9's `TaskStatus.IsCompleted`): the ones reconciled. */
export const finalStatuses = ["COMPLETE", "ERROR", "CANCELLED", "TIMEOUT", "EXPIRED"] as const;

/** One of the statuses a task ends in. */
export type FinalStatus = (typeof finalStatuses)[number];

/** A file a task wrote, with a link that expires. */
export interface BeamTaskOutput {
  name: string;
  url: string;
  /** Seconds the URL stays valid. */
  expires_in: number;
}

/**
 * A task as Beam's API returns it (`GET /api/v1/task/{workspaceId}/{taskId}`), with the
 * fields the reconciler reads typed; Beam sends more (`workspace`, `app`, `stats`...).
 * Times are RFC 3339 strings.
 */
export interface BeamTask {
  /** The task id, as `X-Task-ID` carries it. */
  id: string;
  status: TaskStatus;
  /** Why the task failed, when Beam knows: e.g. a scheduling failure. Empty otherwise. */
  failure_reason: string;
  container_id: string;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  stub: { id: string; name: string; type: string; [field: string]: unknown };
  deployment: { id: string | null; name: string | null; version: number | null };
  outputs: BeamTaskOutput[];
  /**
   * The stored result JSON (what the function returned), `null` when the workspace stores no
   * results, and always `null` in task lists. A result that is not JSON is `{"base64": "..."}`.
   */
  result: unknown;
  [field: string]: unknown;
}

/**
 * Why Beam's sender probably never called back for this task, from what the API says, for
 * reports (`taskhook reconcile --dry-run`). Beam does not record it, so this is a best guess.
 *
 * @example
 * ```ts
 * console.log(task.id, task.status, explainMissingCallback(task));
 * ```
 */
export function explainMissingCallback(task: Pick<BeamTask, "status" | "failure_reason">): string {
  if (task.failure_reason) return `Beam's gateway ended it (${task.failure_reason}); the gateway never calls back`;
  switch (task.status) {
    case "EXPIRED":
      return "expired before it ran; the gateway never calls back for expired tasks";
    case "CANCELLED":
      return "cancelled; a task cancelled before its container ran gets no callback";
    case "COMPLETE":
      return "unknown: the receiver was down or answered 4xx, the result was not JSON-serializable, or an endpoint dropped it";
    default:
      return "unknown: the receiver was down or answered 4xx, or the container stopped before sending";
  }
}

/** Milliseconds since the epoch of an API time, `undefined` for null or unreadable ones. */
export function parseApiTime(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}
