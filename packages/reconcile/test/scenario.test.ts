import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { memoryStore, sendCallback, type TaskStatus } from "@taskhook/core";
import { createCallbackProcessor, DEFAULT_TASK_RECORD_TTL_MS } from "@taskhook/core/adapter";
import { afterAll, describe, expect, it } from "vitest";
import { type AnyTaskCallback, createReconciler } from "../src/index.js";
import { type FakeTask, startFakeBeamApi } from "../src/testing/index.js";

// The "done when": 1,000 tasks finish; the receiver is down for the first 200
// callbacks; 50 results were never sent; 30 tasks expired. After one reconcile pass every
// task has reached the handler exactly once. Real HTTP throughout: Beam's sender (core's
// sendCallback, 3 attempts 0.5 s and 1 s apart), a receiver on node:http with core's
// processor, and the fake of Beam's task API.

const workspaceId = "ws-scenario";
const token = "tok_scenario";
const secret = "sk_scenario";
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closers) await close();
});

type Fate = "expired" | "never-sent" | "receiver-down" | "delivered";

function plan(): Array<FakeTask & { fate: Fate }> {
  const started = Date.now() - 60 * 60_000;
  return Array.from({ length: 1000 }, (_, i) => {
    const fate: Fate = i < 30 ? "expired" : i < 80 ? "never-sent" : i < 280 ? "receiver-down" : "delivered";
    const status: TaskStatus =
      fate === "expired"
        ? "EXPIRED"
        : i % 10 === 0
          ? "ERROR"
          : i % 25 === 0
            ? "CANCELLED"
            : i % 40 === 0
              ? "TIMEOUT"
              : "COMPLETE";
    const createdAt = started + i * 1000;
    const result = status === "COMPLETE" ? { index: i } : status === "ERROR" ? { error: `task ${i} failed` } : {};
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
    const ended = { startedAt: createdAt + 200, endedAt: createdAt + 800 };
    return fate === "expired"
      ? { id, status, createdAt, fate, failureReason: "" }
      : { id, status, createdAt, ...ended, result, fate };
  });
}

async function startReceiver(handle: (callback: AnyTaskCallback) => unknown, store: ReturnType<typeof memoryStore>) {
  const processor = createCallbackProcessor({
    secret,
    taskRecordTtlMs: DEFAULT_TASK_RECORD_TTL_MS,
    idempotency: store,
    onCallback: handle,
  });
  const server = createServer((req, res) => {
    processor.process({ method: req.method, headers: req.headers, body: req }).then((answer) => {
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
  });
  closers.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/beam`,
    down: () => new Promise((resolve) => server.close(resolve)),
    up: () => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve)),
  };
}

async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<unknown>) {
  const results: unknown[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

describe("scenario: 1,000 tasks, a receiver down for 200 callbacks, 50 never sent, 30 expired", () => {
  it("brings every task to the handler exactly once after one reconcile pass", async () => {
    const tasks = plan();
    const beam = await startFakeBeamApi({ workspaceId, token });
    closers.push(() => beam.close());
    beam.add(...tasks.map(({ fate: _, ...task }) => task));

    const store = memoryStore({ maxEntries: 50_000 });
    const reached = new Map<string, { count: number; source: string; data: unknown }>();
    const handle = (callback: AnyTaskCallback) => {
      const seen = reached.get(callback.taskId);
      reached.set(callback.taskId, {
        count: (seen?.count ?? 0) + 1,
        source: callback.source ?? "callback",
        data: callback.data,
      });
    };
    const receiver = await startReceiver(handle, store);
    const send = (task: FakeTask) =>
      sendCallback(receiver.url, { data: task.result, secret, status: task.status, taskId: task.id });

    await receiver.down();
    const lost = await inBatches(
      tasks.filter((t) => t.fate === "receiver-down"),
      100,
      send,
    );
    expect(lost.every((result) => (result as { ok: boolean }).ok === false)).toBe(true);
    await receiver.up();
    const sent = await inBatches(
      tasks.filter((t) => t.fate === "delivered"),
      16,
      send,
    );
    expect(sent.every((result) => (result as { ok: boolean }).ok)).toBe(true);
    expect(reached.size).toBe(720);

    const reconciler = createReconciler({
      workspaceId,
      token,
      apiUrl: beam.url,
      lookback: "2h",
      grace: "5m",
      idempotency: store,
      deliver: handle,
    });
    const report = await reconciler.run();
    expect(report).toMatchObject({ listed: 1000, handled: 720, delivered: 280, inFlight: 0, failed: 0, gone: 0 });

    const counts = [...reached.values()].map((r) => r.count);
    expect(reached.size).toBe(1000);
    expect(counts.every((count) => count === 1)).toBe(true);
    const bySource = (fate: Fate) =>
      tasks
        .filter((t) => t.fate === fate)
        .every((t) => reached.get(t.id)?.source === (fate === "delivered" ? "callback" : "reconciled"));
    expect(["expired", "never-sent", "receiver-down", "delivered"].every((fate) => bySource(fate as Fate))).toBe(true);
    const recovered = tasks.filter((t) => t.fate === "never-sent");
    expect(recovered.every((t) => JSON.stringify(reached.get(t.id)?.data) === JSON.stringify(t.result))).toBe(true);

    // Beam's late callbacks for 20 recovered tasks are duplicates; a second pass finds nothing.
    const late = await inBatches(tasks.filter((t) => t.fate === "receiver-down").slice(0, 20), 20, send);
    expect(
      late.every((r) => (r as { attempts: { body?: string }[] }).attempts[0]?.body?.includes('"duplicate":true')),
    ).toBe(true);
    const second = await reconciler.run();
    expect(second).toMatchObject({ listed: 1000, handled: 1000, delivered: 0 });
    expect([...reached.values()].every((r) => r.count === 1)).toBe(true);

    const listRequests = beam.requests.filter((r) => r.path === `/api/v1/task/${workspaceId}`).length;
    console.log(
      `scenario: ${tasks.length} tasks; callbacks handled ${sent.length}, lost while down ${lost.length}, never sent 50, expired 30; ` +
        `pass 1: listed ${report.listed}, skipped as handled ${report.handled}, delivered ${report.delivered}, failed ${report.failed}; ` +
        `20 late callbacks answered duplicate; pass 2 delivered ${second.delivered}; handler calls ${counts.reduce((a, b) => a + b, 0)} for ${reached.size} tasks; ` +
        `API requests: ${listRequests} list pages, ${beam.requests.length - listRequests} task reads`,
    );
  }, 120_000);
});
