import { describe, expect, it, vi } from "vitest";
import { createCallbackProcessor, DEFAULT_TASK_RECORD_TTL_MS, taskRecordKey } from "../src/adapter.js";
import { createTestCallback, memoryStore } from "../src/index.js";

const secret = "sk_task_record";
const T = 1_764_230_400;
const now = () => T * 1000;

async function request(data: unknown = { result: 10 }, taskId = "task-1") {
  const { headers, body } = await createTestCallback({ data, secret, timestamp: T, taskId });
  return { method: "POST", headers, body };
}

const bodyOf = (response: { body: string }) => JSON.parse(response.body);
/** Task records are off unless asked for: what a receiver that reconciles sets. */
const records = { taskRecordTtlMs: DEFAULT_TASK_RECORD_TTL_MS };

describe("task records (what @taskhook/reconcile reads and writes)", () => {
  it("records a handled callback's task for 24 h and lets go of the task claim", async () => {
    const store = memoryStore();
    const complete = vi.spyOn(store, "complete");
    const processor = createCallbackProcessor({ secret, now, ...records, idempotency: store, onCallback: () => {} });
    expect((await processor.process(await request())).status).toBe(200);
    expect(complete).toHaveBeenCalledWith(taskRecordKey("task-1", "callback"), DEFAULT_TASK_RECORD_TTL_MS);
    expect(await store.begin(taskRecordKey("task-1", "callback"), 1000)).toBe("done");
    expect(await store.begin(taskRecordKey("task-1", "reconciled"), 1000)).toBe("new");
  });

  it("answers a callback for a task the reconciler delivered as a duplicate", async () => {
    const store = memoryStore();
    await store.complete(taskRecordKey("task-1", "reconciled"), 60_000);
    const onCallback = vi.fn();
    const processor = createCallbackProcessor({ secret, now, ...records, idempotency: store, onCallback });
    const req = await request();
    const response = await processor.process(req);
    expect(response).toMatchObject({ status: 200, handled: false });
    expect(bodyOf(response)).toEqual({ received: true, duplicate: true });
    expect((await processor.process(req)).status).toBe(200);
    expect(onCallback).not.toHaveBeenCalled();
  });

  it("answers 503 while the reconciler holds the task, then runs the handler on Beam's retry", async () => {
    const store = memoryStore();
    const reconciling = taskRecordKey("task-1", "reconciled");
    await store.begin(reconciling, 60_000);
    const onCallback = vi.fn();
    const processor = createCallbackProcessor({ secret, now, ...records, idempotency: store, onCallback });
    const req = await request();
    const busy = await processor.process(req);
    expect(busy.status).toBe(503);
    expect(bodyOf(busy).error.code).toBe("DUPLICATE_IN_FLIGHT");
    await store.release(reconciling);
    expect((await processor.process(req)).status).toBe(200);
    expect(onCallback).toHaveBeenCalledOnce();
  });

  it("releases the task claim when the handler fails, and records nothing", async () => {
    const store = memoryStore();
    const onCallback = vi.fn().mockRejectedValueOnce(new Error("boom"));
    const processor = createCallbackProcessor({
      secret,
      now,
      ...records,
      idempotency: store,
      onCallback,
      onError: () => {},
    });
    expect((await processor.process(await request())).status).toBe(500);
    expect(await store.begin(taskRecordKey("task-1", "reconciled"), 1000)).toBe("new");
    expect(await store.begin(taskRecordKey("task-1", "callback"), 1000)).toBe("new");
  });

  it("keeps two differently signed callbacks for one task as two deliveries", async () => {
    const onCallback = vi.fn();
    const processor = createCallbackProcessor({ secret, now, ...records, onCallback });
    await processor.process(await request({ a: 1 }));
    await processor.process(await request({ a: 2 }));
    expect(onCallback).toHaveBeenCalledTimes(2);
  });

  it("writes no task records unless asked to (a receiver that does not reconcile)", async () => {
    const store = memoryStore();
    const begin = vi.spyOn(store, "begin");
    await createCallbackProcessor({ secret, now, idempotency: store }).process(await request());
    expect(begin.mock.calls.map(([key]) => key).some((key) => key.startsWith("task:"))).toBe(false);
    expect(begin).toHaveBeenCalledOnce();
  });

  it("touches no task key with taskRecordTtlMs: 0", async () => {
    const store = memoryStore();
    const begin = vi.spyOn(store, "begin");
    const complete = vi.spyOn(store, "complete");
    const processor = createCallbackProcessor({ secret, now, idempotency: store, taskRecordTtlMs: 0 });
    await processor.process(await request());
    const keys = [...begin.mock.calls, ...complete.mock.calls].map(([key]) => key);
    // Only delivery keys (task id:status:signature), never a task record (task:<id>:<kind>).
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((key) => /^task-1:COMPLETE:[0-9a-f]{64}$/.test(key))).toBe(true);
    expect(() => createCallbackProcessor({ secret, taskRecordTtlMs: -1 })).toThrow(/taskRecordTtlMs/);
  });

  it("lets go of the delivery when the task record cannot be claimed, so Beam's retry is not refused", async () => {
    const store = memoryStore();
    const begin = store.begin.bind(store);
    let fail = true;
    store.begin = (key, ttl) =>
      fail && key.startsWith("task:") ? Promise.reject(new Error("ECONNRESET")) : begin(key, ttl);
    const onCallback = vi.fn();
    const processor = createCallbackProcessor({
      secret,
      now,
      ...records,
      idempotency: store,
      onCallback,
      onError: () => {},
    });
    const req = await request();
    expect(bodyOf(await processor.process(req)).error.code).toBe("STORE_UNAVAILABLE");
    fail = false;
    expect((await processor.process(req)).status).toBe(200);
    expect(onCallback).toHaveBeenCalledOnce();
  });

  it("runs the handler once for simultaneous copies of one delivery", async () => {
    const onCallback = vi.fn(() => new Promise((resolve) => setTimeout(resolve, 20)));
    const processor = createCallbackProcessor({ secret, now, ...records, onCallback });
    const req = await request();
    const answers = await Promise.all(Array.from({ length: 5 }, () => processor.process(req)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 503, 503, 503, 503]);
    expect(onCallback).toHaveBeenCalledOnce();
  });

  it("marks verified callbacks with source: callback", async () => {
    const onCallback = vi.fn();
    const processor = createCallbackProcessor({ secret, now, ...records, onCallback });
    await processor.process(await request());
    expect(onCallback.mock.calls[0]?.[0]).toMatchObject({ source: "callback" });
  });
});
