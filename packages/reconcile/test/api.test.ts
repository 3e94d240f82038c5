import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BeamApiError, createBeamTaskApi, finalStatuses, type TaskListQuery } from "../src/index.js";
import { type FakeBeamApiServer, type FakeTask, startFakeBeamApi } from "../src/testing/index.js";

const workspaceId = "ws-7f3a";
const token = "tok_reconcile";
const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);
let beam: FakeBeamApiServer;

beforeEach(async () => {
  beam = await startFakeBeamApi({ workspaceId, token });
});
afterEach(() => beam.close());

const api = (extra: Partial<Parameters<typeof createBeamTaskApi>[0]> = {}) =>
  createBeamTaskApi({ workspaceId, token, apiUrl: beam.url, retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...extra });

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

function task(n: number, status: FakeTask["status"], extra: Partial<FakeTask> = {}): FakeTask {
  return {
    id: uuid(n),
    status,
    createdAt: T0 + n * 1000,
    startedAt: T0 + n * 1000 + 10,
    endedAt: T0 + n * 1000 + 500,
    ...extra,
  };
}

async function all(query: TaskListQuery = {}, client = api()) {
  const pages: string[][] = [];
  for await (const page of client.listTasks(query)) pages.push(page.map((t) => t.id));
  return pages;
}

describe("Beam task API client against the fake", () => {
  it("retrieves one task of each final status with its stored result, outputs and failure reason", async () => {
    const fixtures: FakeTask[] = [
      task(1, "COMPLETE", {
        result: { caption: "a cat" },
        outputs: [{ name: "cat.png", url: "https://x/cat.png", expires_in: 3600 }],
      }),
      task(2, "ERROR", { result: { error: "ValueError: bad input" } }),
      task(3, "CANCELLED", { result: {} }),
      task(4, "TIMEOUT", { result: {} }),
      task(5, "EXPIRED", { startedAt: undefined, failureReason: "worker_capacity_timeout" }),
    ];
    beam.add(...fixtures);
    const client = api();
    const got = await Promise.all(fixtures.map((f) => client.getTask(f.id)));
    expect(got.map((t) => t?.status)).toEqual([...finalStatuses]);
    expect(got[0]).toMatchObject({
      id: uuid(1),
      result: { caption: "a cat" },
      outputs: [{ name: "cat.png", url: "https://x/cat.png", expires_in: 3600 }],
      ended_at: "2026-11-29T12:00:01.5Z",
      created_at: "2026-11-29T12:00:01Z",
      stub: { name: "default" },
    });
    expect(got[1]?.result).toEqual({ error: "ValueError: bad input" });
    expect(got[4]).toMatchObject({ status: "EXPIRED", started_at: null, failure_reason: "worker_capacity_timeout" });
    expect(beam.requests.every((r) => r.authorization === `Bearer ${token}`)).toBe(true);
    expect(beam.requests[0]?.path).toBe(`/api/v1/task/${workspaceId}/${uuid(1)}`);
  });

  it("reads a null result (no result storage) as null, and an unknown task as null", async () => {
    beam.add(task(1, "COMPLETE"));
    expect((await api().getTask(uuid(1)))?.result).toBeNull();
    expect(await api().getTask(uuid(99))).toBeNull();
  });

  it("follows the cursor over 3 pages, newest first, sending the filters under beta9's names", async () => {
    for (let n = 1; n <= 25; n++)
      beam.add(task(n, n % 2 ? "COMPLETE" : "ERROR", { stub: { id: "stub-a", name: "ocr" } }));
    beam.add(task(26, "RUNNING", { stub: { id: "stub-a", name: "ocr" } }), task(27, "COMPLETE"));
    const query: TaskListQuery = {
      statuses: ["COMPLETE", "ERROR"],
      stubIds: ["stub-a"],
      stubNames: ["ocr"],
      createdAtStart: new Date(T0),
      createdAtEnd: new Date(T0 + 3_600_000),
      pageSize: 10,
    };
    const pages = await all(query);
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(Array.from({ length: 25 }, (_, i) => uuid(25 - i)));
    const list = beam.requests.filter((r) => r.path === `/api/v1/task/${workspaceId}`);
    expect(list).toHaveLength(3);
    expect(list[0]?.query).toEqual({
      limit: "10",
      skip_details: "true",
      status: "COMPLETE,ERROR",
      stub_ids: "stub-a",
      stub_names: "ocr",
      created_at_start: "2026-11-29T12:00:00.000Z",
      created_at_end: "2026-11-29T13:00:00.000Z",
    });
    const cursor = JSON.parse(atob(list[1]?.query.cursor ?? ""));
    expect(cursor).toEqual({ value: "2026-11-29 12:00:16 +0000 UTC", id: 16 });
    expect(list[2]?.query.cursor).toBeDefined();
  });

  it("waits out a 429 with Retry-After, then carries on", async () => {
    beam.add(task(1, "COMPLETE", { result: 1 }));
    beam.fault({ status: 429, headers: { "retry-after": "0" } }, { status: 429, headers: { "retry-after": "0" } });
    const retries: string[] = [];
    const got = await api({ onRetry: ({ reason }) => retries.push(reason) }).getTask(uuid(1));
    expect(got?.result).toBe(1);
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatch(/429/);
  });

  it("retries 5xx, timeouts and dropped answers; gives up after the last attempt with a code", async () => {
    beam.add(task(1, "COMPLETE", { result: 1 }));
    beam.fault(
      { status: 502, body: "<html>bad gateway</html>" },
      { status: 500, body: '{"message":"Failed to retrieve task"}' },
    );
    beam.fault({ delayMs: 300 });
    expect((await api({ timeoutMs: 100 }).getTask(uuid(1)))?.result).toBe(1);

    beam.fault({ status: 503 }, { status: 503 }, { status: 503 });
    const error = (await api({ retry: { attempts: 3, baseDelayMs: 1 } })
      .getTask(uuid(1))
      .catch((e: unknown) => e)) as BeamApiError;
    expect(error).toMatchObject({ name: "BeamApiError", code: "SERVER_ERROR", status: 503, attempts: 3 });

    beam.fault({ status: 429 }, { status: 429 });
    const limited = (await api({ retry: { attempts: 2, baseDelayMs: 1 } })
      .getTask(uuid(1))
      .catch((e: unknown) => e)) as BeamApiError;
    expect(limited.code).toBe("RATE_LIMITED");
  });

  it("fails at once, without retrying, on a wrong token, a wrong workspace or a 400", async () => {
    const wrongToken = await api({ token: "nope" })
      .getTask(uuid(1))
      .catch((e: unknown) => e);
    expect(wrongToken).toMatchObject({ code: "UNAUTHORIZED", status: 401, attempts: 1 });
    expect(String((wrongToken as Error).message)).toMatch(/token/);
    await expect(api({ workspaceId: "ws-other" }).getTask(uuid(1))).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    beam.fault({ status: 400, body: '{"message":"Failed to decode query parameters"}' });
    await expect(all()).rejects.toMatchObject({ code: "CLIENT_ERROR", message: expect.stringMatching(/decode query/) });
    expect(beam.requests).toHaveLength(3);
  });

  it("refuses a missing workspace id or token with a message that says where to find them", () => {
    expect(() => createBeamTaskApi({ workspaceId: "", token })).toThrow(/workspace id/);
    expect(() => createBeamTaskApi({ workspaceId, token: "" })).toThrow(/API token/);
  });
});
