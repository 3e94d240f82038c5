import type { IdempotencyStore, TaskCallback, TaskStatus } from "@taskhook/core";
import { DEFAULT_TASK_RECORD_TTL_MS, taskRecordKey } from "@taskhook/core/adapter";
import { type BeamApiOptions, createBeamTaskApi } from "./api.js";
import { type Duration, parseDuration } from "./duration.js";
import { type BeamTask, explainMissingCallback, type FinalStatus, finalStatuses, parseApiTime } from "./task.js";

/**
 * A task result recovered from Beam's API, handed to the same handler as callbacks. It has
 * no signature fields: the trust comes from Beam's API, reached over TLS with your token.
 */
export interface ReconciledCallback<T = unknown> {
  source: "reconciled";
  /** The task id, as `X-Task-ID` would have carried it. */
  taskId: string;
  /** The task's final status from the API. */
  status: TaskStatus;
  /**
   * The task's stored result (what a callback's `data` holds for COMPLETE), or `null` when
   * the workspace stores no results. For failures: whatever Beam stored, often `null`.
   */
  data: T;
  /** `{"data": <data>}` as JSON, for handlers that keep the raw body. */
  body: Uint8Array;
  /** When the task ended (ms since the epoch), if Beam recorded it. */
  endedAt: number | undefined;
  /** Why Beam probably never called back (a best guess from the status and failure reason). */
  reason: string;
  /** The task as the API returned it: `failure_reason`, `outputs`, `stub`, timings... */
  task: BeamTask;
}

/** A verified callback or a recovered result: what one handler for both receives. */
export type AnyTaskCallback<T = unknown> = TaskCallback<T> | ReconciledCallback<T>;

/** How to reconcile; the API options plus what to look for and where to deliver it. */
export interface ReconcilerOptions<T = unknown> extends BeamApiOptions {
  /** Only tasks of these stubs: an array of stub ids, or `{ ids, names }`. Default: every stub. */
  stubs?: readonly string[] | { ids?: readonly string[]; names?: readonly string[] };
  /** How far back to look, from task creation: `"2h"`, `"1d"` or ms. At most `recordTtlMs`. */
  lookback: Duration;
  /**
   * How long after a task ended to leave it to Beam's own callback (which retries for about
   * a minute after signing). Keep it above twice the receiver's `toleranceSeconds`. Default 5 min.
   */
  grace?: Duration;
  /** The handler (or queue handoff) that callbacks go to; throwing leaves the task for the next pass. */
  deliver: (callback: ReconciledCallback<T>) => unknown;
  /**
   * The receiver's idempotency store (e.g. `@taskhook/redis`), where the processor records
   * handled tasks; `false` delivers every finished task (only when the receiving end dedups).
   */
  idempotency: IdempotencyStore | false;
  /** Which final statuses to recover. Default all five: COMPLETE, ERROR, CANCELLED, TIMEOUT, EXPIRED. */
  statuses?: readonly FinalStatus[];
  /** Tasks retrieved and delivered at the same time. Default 4. */
  concurrency?: number;
  /** How long a delivered task is remembered; match the processor's `taskRecordTtlMs`. Default 24 h. */
  recordTtlMs?: Duration;
  /** How long a task is held while it is retrieved and delivered. Default 5 min. */
  leaseMs?: Duration;
  /** Tasks per page of the task list. Default 100. */
  pageSize?: number;
  /** Told about a task that failed (and will be retried by the next pass). Default `console.error`. */
  onError?: (error: unknown, task?: BeamTask) => void;
  /** Current time in ms, for tests. */
  now?: () => number;
}

/** A finished task with no handled callback: what a dry run lists. */
export interface MissingTask {
  taskId: string;
  status: TaskStatus;
  endedAt: number | undefined;
  reason: string;
  task: BeamTask;
}

/** What happened to each finished task of one pass. */
export type TaskOutcome = "delivered" | "handled" | "in-flight" | "failed" | "gone" | "missing";

/** The counts of one pass. */
export interface ReconcileReport {
  /** Finished tasks in the window (ended before the grace period). */
  listed: number;
  /** Delivered now. */
  delivered: number;
  /** Skipped: a callback was handled, or an earlier pass delivered it. */
  handled: number;
  /** Skipped: a callback or another reconciler is handling it right now. */
  inFlight: number;
  /** Not delivered (handler threw, or the API failed for it); the next pass tries again. */
  failed: number;
  /** Listed, but gone when retrieved (404). */
  gone: number;
  /** Dry run only: missing tasks found, not delivered. */
  missing: number;
  /** Set when the API or the store failed mid-pass; the tasks not reached wait for the next pass. */
  error?: unknown;
  tasks: { taskId: string; status: TaskStatus; outcome: TaskOutcome }[];
}

/** A reconciler: run one pass on demand, or on a schedule. */
export interface Reconciler {
  /** One pass: lists the window's finished tasks and delivers the missing ones exactly once. */
  run(): Promise<ReconcileReport>;
  /** A dry run: the missing tasks, without delivering or recording anything. */
  findMissing(): Promise<MissingTask[]>;
  /** Runs a pass now and then `every` after each pass ends, until `stop()`. */
  start(every: Duration, onReport?: (report: ReconcileReport) => void): { stop(): Promise<void> };
}

/**
 * Creates a reconciler: every task that finished reaches your handler, by callback or by
 * recovery. It lists tasks in final statuses from Beam's API, skips those whose callback
 * the receiver handled (recorded in the shared idempotency store), and delivers the rest
 * once each as a {@link ReconciledCallback}; a late callback for a recovered task is then
 * answered as a duplicate.
 *
 * @example
 * ```ts
 * const store = redisStore({ client: redis });
 * const handle = async (cb: AnyTaskCallback) => saveResult(cb.taskId, cb.status, cb.data);
 * export const POST = createCallbackHandler({ secret, idempotency: store, onCallback: handle });
 * const reconciler = createReconciler({
 *   workspaceId: process.env.BEAM_WORKSPACE_ID!, token: process.env.BEAM_TOKEN!,
 *   lookback: "6h", grace: "5m", idempotency: store, deliver: handle,
 * });
 * reconciler.start("10m", (report) => console.log("reconciled", report.delivered));
 * ```
 */
export function createReconciler<T = unknown>(options: ReconcilerOptions<T>): Reconciler {
  const api = createBeamTaskApi(options);
  const settings = readSettings(options);
  const { store, leaseMs } = settings;
  const now = options.now ?? Date.now;
  const report = options.onError ?? ((error: unknown) => console.error("taskhook reconcile:", error));

  async function pass(dryRun: boolean, missing: BeamTask[] = []): Promise<ReconcileReport> {
    const tasks = await listFinished(api, settings, now());
    const result: ReconcileReport = { ...emptyCounts(), listed: tasks.length, tasks: [] };
    await eachConcurrently(tasks, settings.concurrency, async (task) => {
      if (result.error !== undefined) return;
      let outcome: TaskOutcome;
      try {
        outcome = await reconcileOne(task, dryRun);
      } catch (error) {
        result.error = error;
        return;
      }
      result[countOf[outcome]]++;
      if (outcome === "missing") missing.push(task);
      result.tasks.push({ taskId: task.id, status: task.status, outcome });
    });
    if (result.error !== undefined) report(result.error);
    return result;
  }

  /** Throws only for API or store failures that should end the pass. */
  async function reconcileOne(listed: BeamTask, dryRun: boolean): Promise<TaskOutcome> {
    const claimed = await claim(store, listed.id, leaseMs);
    if (claimed !== "new") return claimed;
    const reconciled = taskRecordKey(listed.id, "reconciled");
    let task: BeamTask | null;
    try {
      task = dryRun ? listed : await api.getTask(listed.id);
    } catch (error) {
      if (store !== false) await store.release(reconciled).catch(() => {});
      throw error;
    }
    if (task === null || dryRun) {
      if (store !== false) await store.release(reconciled);
      return task === null ? "gone" : "missing";
    }
    try {
      await options.deliver(toCallback<T>(task));
    } catch (error) {
      report(error, task);
      if (store !== false) await store.release(reconciled).catch((e: unknown) => report(e, task));
      return "failed";
    }
    if (store !== false) await store.complete(reconciled, settings.recordTtlMs).catch((e: unknown) => report(e, task));
    return "delivered";
  }

  return {
    run: () => pass(false),
    async findMissing() {
      const missing: BeamTask[] = [];
      const result = await pass(true, missing);
      if (result.error !== undefined) throw result.error;
      return missing.map(toMissing);
    },
    start: (every, onReport) => schedule(() => pass(false), parseDuration(every, "every"), onReport, report),
  };
}

/** Runs `pass` now and `intervalMs` after each pass ends, until stopped (which awaits the pass running). */
function schedule(
  pass: () => Promise<ReconcileReport>,
  intervalMs: number,
  onReport: ((report: ReconcileReport) => void) | undefined,
  report: (error: unknown) => void,
) {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = pass()
      .then((result) => onReport?.(result), report)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/**
 * Holds the task for this reconciler, unless a callback was handled for it (`"handled"`),
 * it was delivered before (`"handled"`), or something holds it now (`"in-flight"`). The
 * processor holds the same "reconciled" record while it handles a callback for the task.
 */
async function claim(store: IdempotencyStore | false, taskId: string, leaseMs: number) {
  if (store === false) return "new";
  const reconciled = taskRecordKey(taskId, "reconciled");
  const state = await store.begin(reconciled, leaseMs);
  if (state !== "new") return state === "done" ? "handled" : "in-flight";
  const callback = taskRecordKey(taskId, "callback");
  let handled: Awaited<ReturnType<IdempotencyStore["begin"]>>;
  try {
    handled = await store.begin(callback, leaseMs);
  } catch (error) {
    await store.release(reconciled).catch(() => {});
    throw error;
  }
  // Only the processor completes the "callback" record, and never while we hold the task.
  if (handled === "new") {
    await store.release(callback);
    return "new";
  }
  await store.release(reconciled);
  return "handled";
}

type Settings = ReturnType<typeof readSettings>;

function readSettings<T>(options: ReconcilerOptions<T>) {
  if (typeof options.deliver !== "function") {
    throw new TypeError(
      "taskhook: `deliver` must be the function your callbacks go to (your handler or a queue handoff).",
    );
  }
  if (options.idempotency === undefined) {
    throw new TypeError(
      "taskhook: `idempotency` must be the receiver's idempotency store (e.g. redisStore(...)), so handled tasks are skipped; pass false only when the receiving end dedups.",
    );
  }
  const lookbackMs = parseDuration(options.lookback, "lookback");
  const recordTtlMs = parseDuration(options.recordTtlMs ?? DEFAULT_TASK_RECORD_TTL_MS, "recordTtlMs");
  if (lookbackMs > recordTtlMs && options.idempotency !== false) {
    throw new TypeError(
      `taskhook: \`lookback\` (${lookbackMs} ms) is longer than the task records are kept (recordTtlMs, ${recordTtlMs} ms): older handled tasks would be delivered again. Raise taskRecordTtlMs on the receiver and recordTtlMs here, or look back less.`,
    );
  }
  const stubs = options.stubs ?? [];
  return {
    store: options.idempotency,
    lookbackMs,
    recordTtlMs,
    graceMs: parseDuration(options.grace ?? "5m", "grace"),
    leaseMs: parseDuration(options.leaseMs ?? "5m", "leaseMs"),
    concurrency: Math.max(1, Math.floor(options.concurrency ?? 4)),
    pageSize: options.pageSize ?? 100,
    statuses: options.statuses ?? finalStatuses,
    stubIds: Array.isArray(stubs) ? stubs : ((stubs as { ids?: readonly string[] }).ids ?? []),
    stubNames: Array.isArray(stubs) ? [] : ((stubs as { names?: readonly string[] }).names ?? []),
  };
}

/** The window's tasks in a final status that ended before the grace period, each once. */
async function listFinished(api: ReturnType<typeof createBeamTaskApi>, settings: Settings, time: number) {
  const until = time - settings.graceMs;
  const wanted: ReadonlySet<string> = new Set(settings.statuses);
  const tasks = new Map<string, BeamTask>();
  const pages = api.listTasks({
    statuses: settings.statuses,
    stubIds: settings.stubIds,
    stubNames: settings.stubNames,
    createdAtStart: new Date(time - settings.lookbackMs),
    createdAtEnd: new Date(until),
    pageSize: settings.pageSize,
  });
  for await (const page of pages) {
    for (const task of page) {
      if (!wanted.has(task.status) || tasks.has(task.id)) continue;
      const ended = endedAt(task) ?? parseApiTime(task.created_at);
      if (ended !== undefined && ended <= until) tasks.set(task.id, task);
    }
  }
  return [...tasks.values()];
}

function endedAt(task: BeamTask): number | undefined {
  return parseApiTime(task.ended_at) ?? parseApiTime(task.updated_at as string | undefined);
}

function toCallback<T>(task: BeamTask): ReconciledCallback<T> {
  const data = (task.result ?? null) as T;
  return {
    source: "reconciled",
    taskId: task.id,
    status: task.status,
    data,
    body: new TextEncoder().encode(JSON.stringify({ data })),
    endedAt: endedAt(task),
    reason: explainMissingCallback(task),
    task,
  };
}

function toMissing(task: BeamTask): MissingTask {
  return { taskId: task.id, status: task.status, endedAt: endedAt(task), reason: explainMissingCallback(task), task };
}

const countOf = {
  delivered: "delivered",
  handled: "handled",
  "in-flight": "inFlight",
  failed: "failed",
  gone: "gone",
  missing: "missing",
} as const satisfies Record<TaskOutcome, keyof ReconcileReport>;

function emptyCounts() {
  return { delivered: 0, handled: 0, inFlight: 0, failed: 0, gone: 0, missing: 0 };
}

async function eachConcurrently<I>(items: readonly I[], limit: number, work: (item: I) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as I);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
