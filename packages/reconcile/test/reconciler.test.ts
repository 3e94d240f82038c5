import { createTestCallback, type IdempotencyStore, memoryStore } from "@taskhook/core";
import { createCallbackProcessor, DEFAULT_TASK_RECORD_TTL_MS, taskRecordKey } from "@taskhook/core/adapter";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type AnyTaskCallback, createReconciler, type ReconcilerOptions } from "../src/index.js";
import { type FakeBeamApiServer, type FakeTask, startFakeBeamApi } from "../src/testing/index.js";

const workspaceId = "ws-reconcile";
const token = "tok_reconcile";
const secret = "sk_reconcile";
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const MIN = 60_000;
let beam: FakeBeamApiServer;

beforeEach(async () => {
  beam = await startFakeBeamApi({ workspaceId, token });
});
afterEach(() => beam.close());

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

/** A task created `ago` minutes before NOW that ran one minute. */
function task(n: number, status: FakeTask["status"], ago = 30, extra: Partial<FakeTask> = {}): FakeTask {
  const createdAt = NOW - ago * MIN;
  return { id: uuid(n), status, createdAt, startedAt: createdAt + 1000, endedAt: createdAt + MIN, ...extra };
}

function setup(extra: Partial<ReconcilerOptions> = {}) {
  const store = memoryStore({ now: () => NOW });
  const seen: AnyTaskCallback[] = [];
  const handle = vi.fn((callback: AnyTaskCallback) => void seen.push(callback));
  const processor = createCallbackProcessor({
    secret,
    taskRecordTtlMs: DEFAULT_TASK_RECORD_TTL_MS,
    idempotency: store,
    onCallback: handle,
    now: () => NOW,
  });
  const reconciler = createReconciler({
    workspaceId,
    token,
    apiUrl: beam.url,
    lookback: "2h",
    grace: "5m",
    idempotency: store,
    deliver: handle,
    now: () => NOW,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    onError: () => {},
    ...extra,
  });
  /** Beam's callback for a task, through the receiver's processor. */
  const callback = async (n: number, status = "COMPLETE", data: unknown = { result: n }) => {
    const signed = await createTestCallback({ data, secret, status, taskId: uuid(n), timestamp: NOW / 1000 });
    return processor.process({ method: "POST", headers: signed.headers, body: signed.body });
  };
  const count = (n: number) => seen.filter((cb) => cb.taskId === uuid(n)).length;
  return { store, seen, handle, reconciler, callback, count };
}

describe("createReconciler", () => {
  it("delivers each finished task with no handled callback once, marked reconciled, without signature fields", async () => {
    beam.add(
      task(1, "COMPLETE", 30, { result: { caption: "a cat" } }),
      task(2, "ERROR", 30, { result: { error: "boom" } }),
      task(3, "CANCELLED"),
      task(4, "TIMEOUT"),
      task(5, "EXPIRED", 30, { startedAt: undefined, endedAt: undefined, failureReason: "worker_capacity_timeout" }),
      task(6, "COMPLETE"),
    );
    const { seen, reconciler } = setup();
    const report = await reconciler.run();
    expect(report).toMatchObject({ listed: 6, delivered: 6, handled: 0, failed: 0 });
    const first = seen.find((cb) => cb.taskId === uuid(1));
    expect(first).toMatchObject({ source: "reconciled", status: "COMPLETE", data: { caption: "a cat" } });
    expect(first).not.toHaveProperty("signature");
    expect(first).not.toHaveProperty("timestamp");
    expect(new TextDecoder().decode(first?.body)).toBe('{"data":{"caption":"a cat"}}');
    expect(seen.find((cb) => cb.taskId === uuid(6))?.data).toBeNull();
    const expired = seen.find((cb) => cb.taskId === uuid(5));
    expect(expired?.source === "reconciled" && expired.reason).toMatch(/worker_capacity_timeout/);
    expect((await reconciler.run()).delivered).toBe(0);
    expect(seen).toHaveLength(6);
  });

  it("skips tasks whose callback the receiver handled, and answers a late callback for a recovered task as a duplicate", async () => {
    beam.add(task(1, "COMPLETE", 30, { result: 1 }), task(2, "COMPLETE", 30, { result: 2 }));
    const { reconciler, callback, count } = setup();
    expect((await callback(1)).status).toBe(200);
    expect(await reconciler.run()).toMatchObject({ listed: 2, handled: 1, delivered: 1 });
    const late = await callback(2);
    expect(late.status).toBe(200);
    expect(JSON.parse(late.body)).toEqual({ received: true, duplicate: true });
    expect([count(1), count(2)]).toEqual([1, 1]);
  });

  it("leaves tasks inside the grace period, outside the lookback, or not finished to Beam", async () => {
    beam.add(task(1, "COMPLETE", 3), task(2, "COMPLETE", 200), task(3, "RUNNING"), task(4, "PENDING"));
    const { reconciler, seen } = setup();
    expect(await reconciler.run()).toMatchObject({ listed: 0, delivered: 0 });
    expect(seen).toHaveLength(0);
    const list = beam.requests.find((r) => !r.path.includes(uuid(1)));
    expect(list?.query).toMatchObject({
      status: "COMPLETE,ERROR,CANCELLED,TIMEOUT,EXPIRED",
      created_at_start: new Date(NOW - 120 * MIN).toISOString(),
      created_at_end: new Date(NOW - 5 * MIN).toISOString(),
    });
  });

  it("skips a task a callback is handling right now, and delivers it later only if that failed", async () => {
    beam.add(task(1, "COMPLETE"));
    const { store, reconciler, seen } = setup();
    await store.begin(taskRecordKey(uuid(1), "reconciled"), MIN);
    expect(await reconciler.run()).toMatchObject({ inFlight: 1, delivered: 0 });
    await store.release(taskRecordKey(uuid(1), "reconciled"));
    expect(await reconciler.run()).toMatchObject({ delivered: 1 });
    expect(seen).toHaveLength(1);
  });

  it("leaves a task whose handler threw for the next pass", async () => {
    beam.add(task(1, "COMPLETE"), task(2, "COMPLETE"));
    const deliver = vi.fn().mockRejectedValueOnce(new Error("db down")).mockResolvedValue(undefined);
    const { reconciler } = setup({ deliver, concurrency: 1 });
    expect(await reconciler.run()).toMatchObject({ delivered: 1, failed: 1 });
    expect(await reconciler.run()).toMatchObject({ delivered: 1, handled: 1 });
    expect(deliver).toHaveBeenCalledTimes(3);
  });

  it("rides out 429 and 5xx from the API and still delivers each task once", async () => {
    for (let n = 1; n <= 5; n++) beam.add(task(n, "COMPLETE", 30, { result: n }));
    beam.fault({ status: 429, headers: { "retry-after": "0" } }, { status: 502 }, { status: 500 }, { delayMs: 200 });
    const { reconciler, seen } = setup({ concurrency: 1, timeoutMs: 100 });
    expect(await reconciler.run()).toMatchObject({ delivered: 5, failed: 0 });
    expect(seen.map((cb) => cb.data).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it("stops the pass when the API stays down, and the next pass delivers the rest, never twice", async () => {
    for (let n = 1; n <= 4; n++) beam.add(task(n, "COMPLETE", 30 + n));
    const { reconciler, seen } = setup({ concurrency: 1, retry: { attempts: 2, baseDelayMs: 1 } });
    // The list and the first task answer normally ({ delayMs: 0 }); the second task meets a 503 twice.
    beam.fault({ delayMs: 0 }, { delayMs: 0 }, { status: 503 }, { status: 503 });
    const first = await reconciler.run();
    expect(first).toMatchObject({ delivered: 1, error: expect.objectContaining({ code: "SERVER_ERROR" }) });
    const second = await reconciler.run();
    expect(second).toMatchObject({ delivered: 3, handled: 1 });
    expect(new Set(seen.map((cb) => cb.taskId)).size).toBe(4);
    expect(seen).toHaveLength(4);
  });

  it("lists what is missing in a dry run without delivering or recording it", async () => {
    beam.add(task(1, "EXPIRED", 30, { failureReason: "" }), task(2, "COMPLETE"));
    const { reconciler, callback, seen } = setup();
    await callback(2);
    const missing = await reconciler.findMissing();
    expect(missing.map((m) => [m.taskId, m.status])).toEqual([[uuid(1), "EXPIRED"]]);
    expect(missing[0]?.reason).toMatch(/expired/);
    expect(seen).toHaveLength(1);
    expect((await reconciler.run()).delivered).toBe(1);
  });

  it("runs on a schedule until stopped", async () => {
    beam.add(task(1, "COMPLETE"));
    const { reconciler, seen } = setup();
    const reports: number[] = [];
    const schedule = reconciler.start("20ms", (report) => reports.push(report.delivered));
    await vi.waitFor(() => expect(reports.length).toBeGreaterThanOrEqual(2));
    await schedule.stop();
    expect(reports[0]).toBe(1);
    expect(reports.slice(1).every((n) => n === 0)).toBe(true);
    expect(seen).toHaveLength(1);
  });

  it("refuses settings that would deliver twice or cannot work, saying what to change", () => {
    const base = { workspaceId, token, lookback: "2h", deliver: () => {}, idempotency: memoryStore() };
    expect(() => createReconciler({ ...base, lookback: "2d" })).toThrow(/taskRecordTtlMs/);
    expect(() => createReconciler({ ...base, lookback: "2d", idempotency: false })).not.toThrow();
    expect(() => createReconciler({ ...base, lookback: "soon" })).toThrow(/lookback/);
    const noStore = { ...base } as Partial<typeof base>;
    delete noStore.idempotency;
    expect(() => createReconciler(noStore as typeof base)).toThrow(/idempotency/);
  });

  it("fails the pass on a store outage instead of delivering blind", async () => {
    beam.add(task(1, "COMPLETE"));
    const down: IdempotencyStore = {
      begin: () => Promise.reject(new Error("ECONNREFUSED")),
      complete: () => Promise.reject(new Error("ECONNREFUSED")),
      release: () => Promise.reject(new Error("ECONNREFUSED")),
    };
    const { reconciler, seen } = setup({ idempotency: down });
    expect(await reconciler.run()).toMatchObject({ delivered: 0, error: expect.any(Error) });
    expect(seen).toHaveLength(0);
  });
});
