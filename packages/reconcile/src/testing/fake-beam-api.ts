/*
 * A local stand-in for Beam's task API, for tests. Its contract is written from beta9's source
 * (github.com/beam-cloud/beta9, the engine behind Beam), read for this purpose; no code of it
 * is reused:
 *
 * - Routes, pkg/api/v1/task.go (`NewTaskGroup`, mounted under `/api/v1/task` by
 *   pkg/gateway/gateway.go with `HttpServerBaseRoute = "/api/v1"` from pkg/api/v1/base.go):
 *   `GET /api/v1/task/:workspaceId` is `ListTasksPaginated`; `GET /api/v1/task/:workspaceId/:taskId`
 *   is `RetrieveTask`, which alone fills in `result` (`addResultToTask`: the stored result JSON,
 *   `{"base64": ...}` when it is not JSON, absent so `null` without workspace storage) and answers
 *   404 for a task of another workspace.
 * - Auth, pkg/auth/http.go: `Authorization: Bearer <token>` (or `?auth_token=`); an unknown
 *   token, or one of another workspace than `:workspaceId` (`WithWorkspaceAuth`), is 401.
 * - Errors, pkg/api/v1/base.go (`NewHTTPError`): JSON `{"message": "..."}`; 404 has an empty
 *   message; a bad query is 400 "Failed to decode query parameters"; a failing list query
 *   (a bad cursor or time) is 500 "Failed to list tasks".
 * - Query, pkg/types/filters.go (`TaskFilter`): `stub_ids`, `stub_names`, `stub_types`,
 *   `task_ids`, `container_ids` (comma-separated, `StringSlice`), `status` (one string, split on
 *   commas in pkg/repository/backend_postgres.go `listTaskWithRelatedQueryBuilder`),
 *   `created_at_start` (>=), `created_at_end` (<=), `limit` (uint32; page size, 10 when 0),
 *   `cursor`; `skip_details` (task.go) leaves out outputs and stats.
 * - Pagination, pkg/repository/common/paginator.go (`Paginate`, `CursorPaginationInfo`):
 *   `{"next": "<cursor>", "data": [...]}`, newest first (`created_at DESC, id DESC`); the page
 *   reads limit+1 rows and, when there are more, `next` is base64 (standard alphabet) of JSON
 *   `{"value": <created_at as "2006-01-02 15:04:05.999999 -0700 MST">, "id": <row id>}` of the
 *   page's last row; the next page holds rows strictly older (or as old with a smaller id).
 *   `next` is "" on the last page.
 * - Task JSON, pkg/types/backend.go (`Task`, `TaskWithRelated`, `TaskOutput`, `TaskStats`,
 *   `Stub`, serialized by pkg/types/serializer): `id` is the task's external id (a UUID, what
 *   `X-Task-ID` carries), `status`, `failure_reason`, `container_id`, `started_at`, `ended_at`
 *   (RFC 3339 with nanoseconds, or null), `created_at`, `updated_at`, `stub` {`id`, `name`,
 *   `type`, `config`...}, `deployment` {`id`, `name`, `version`}, `outputs`
 *   [{`name`, `url`, `expires_in`}], `stats` {`active_containers`, `queue_depth`}, `result`,
 *   `workspace`, `external_workspace`, `app`. Statuses: PENDING, RUNNING, COMPLETE, ERROR,
 *   CANCELLED, EXPIRED, TIMEOUT, RETRY.
 */
import type { TaskStatus } from "@taskhook/core";

/** A task the fake API knows. Times are milliseconds since the epoch. */
export interface FakeTask {
  /** The task id (a UUID in Beam). */
  id: string;
  status: TaskStatus;
  createdAt: number;
  startedAt?: number | undefined;
  endedAt?: number | undefined;
  failureReason?: string;
  stub?: { id: string; name: string; type?: string };
  /** The stored result; leave it out for a workspace without result storage (`null`). */
  result?: unknown;
  outputs?: { name: string; url: string; expires_in: number }[];
}

/** An answer the fake gives instead of the real one, for the next request. */
export type FakeFault = { status: number; headers?: Record<string, string>; body?: string } | { delayMs: number };

/** One request the fake received. */
export interface FakeRequest {
  path: string;
  query: Record<string, string>;
  authorization: string | null;
}

/** A fake of Beam's task API, answering web-standard `Request`s. */
export interface FakeBeamTaskApi {
  readonly workspaceId: string;
  readonly token: string;
  /** Adds or replaces tasks, in creation order (the order gives their row ids). */
  add(...tasks: FakeTask[]): void;
  /** Answers the next requests with these, in order, instead of the real answers. */
  fault(...faults: FakeFault[]): void;
  /** Every request received, oldest first. */
  readonly requests: FakeRequest[];
  handle(request: Request): Promise<Response>;
}

interface Row {
  rowId: number;
  task: FakeTask;
}

/**
 * Creates the fake. Serve it with {@link startFakeBeamApi}, or call `handle` directly.
 *
 * @example
 * ```ts
 * const api = createFakeBeamTaskApi({ workspaceId: "ws", token: "tok" });
 * api.add({ id: crypto.randomUUID(), status: "EXPIRED", createdAt: Date.now() - 60_000 });
 * ```
 */
export function createFakeBeamTaskApi(options: { workspaceId: string; token: string }): FakeBeamTaskApi {
  const { workspaceId, token } = options;
  const rows = new Map<string, Row>();
  const faults: FakeFault[] = [];
  const requests: FakeRequest[] = [];
  let nextRowId = 1;

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const query = Object.fromEntries(url.searchParams);
    const authorization = request.headers.get("authorization");
    requests.push({ path: url.pathname, query, authorization });
    const fault = faults.shift();
    if (fault !== undefined && "delayMs" in fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    else if (fault !== undefined)
      return new Response(fault.body ?? "", { status: fault.status, headers: fault.headers ?? {} });

    const match = /^\/api\/v1\/task\/([^/]+)(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (match === null || request.method !== "GET") return error(404, "Not Found");
    const given = authorization?.startsWith("Bearer ")
      ? authorization.slice(7)
      : (url.searchParams.get("auth_token") ?? "");
    if (given !== token || decodeURIComponent(match[1] as string) !== workspaceId) return error(401, "Unauthorized");
    if (match[2] !== undefined) {
      const row = rows.get(decodeURIComponent(match[2]));
      return row === undefined ? error(404, "") : json(200, serialize(row, { withResult: true, details: true }));
    }
    return list(url.searchParams);
  }

  function list(params: URLSearchParams): Response {
    const limitText = params.get("limit") ?? "0";
    if (!/^\d{1,10}$/.test(limitText) || Number(limitText) > 0xffffffff) {
      return error(400, "Failed to decode query parameters");
    }
    const limit = Number(limitText) || 10;
    let selected: Row[];
    try {
      selected = [...rows.values()].filter(filterFor(params)).sort(newestFirst);
      const cursor = decodeCursor(params.get("cursor") ?? "");
      if (cursor !== undefined) {
        selected = selected.filter(
          ({ rowId, task }) => task.createdAt < cursor.time || (task.createdAt === cursor.time && rowId < cursor.id),
        );
      }
    } catch {
      return error(500, "Failed to list tasks");
    }
    const page = selected.slice(0, limit);
    const last = page.at(-1);
    const next = selected.length > limit && last !== undefined ? encodeCursor(last) : "";
    const details = !/^(1|t|true)$/i.test(params.get("skip_details") ?? "");
    return json(200, { next, data: page.map((row) => serialize(row, { withResult: false, details })) });
  }

  return {
    workspaceId,
    token,
    requests,
    add(...tasks) {
      for (const task of tasks) rows.set(task.id, { rowId: rows.get(task.id)?.rowId ?? nextRowId++, task });
    },
    fault(...added) {
      faults.push(...added);
    },
    handle,
  };
}

function filterFor(params: URLSearchParams): (row: Row) => boolean {
  const list = (name: string) => params.get(name)?.split(",");
  const statuses = list("status");
  const stubIds = list("stub_ids");
  const stubNames = list("stub_names");
  const taskIds = list("task_ids");
  const start = time(params.get("created_at_start"));
  const end = time(params.get("created_at_end"));
  return ({ task }) =>
    (statuses === undefined || statuses.includes(task.status)) &&
    (stubIds === undefined || stubIds.includes(stubOf(task).id)) &&
    (stubNames === undefined || stubNames.includes(stubOf(task).name)) &&
    (taskIds === undefined || taskIds.includes(task.id)) &&
    (start === undefined || task.createdAt >= start) &&
    (end === undefined || task.createdAt <= end);
}

function time(text: string | null): number | undefined {
  if (text === null || text === "") return undefined;
  const value = Date.parse(text);
  if (Number.isNaN(value)) throw new Error(`bad time ${text}`);
  return value;
}

const newestFirst = (a: Row, b: Row) => b.task.createdAt - a.task.createdAt || b.rowId - a.rowId;

const stubOf = (task: FakeTask) => task.stub ?? { id: "stub-default", name: "default", type: "function/deployment" };

/** RFC 3339 with nanoseconds as Go's `time.RFC3339Nano` writes it: trailing zeros dropped. */
function rfc3339(ms: number | undefined): string | null {
  if (ms === undefined) return null;
  return new Date(ms).toISOString().replace(/\.?0+Z$/, "Z");
}

/** Go's "2006-01-02 15:04:05.999999 -0700 MST" for a UTC time. */
function goCursorTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const fraction = iso.slice(19, 23).replace(/\.?0+$/, "");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction} +0000 UTC`;
}

function encodeCursor({ rowId, task }: Row): string {
  return btoa(JSON.stringify({ value: goCursorTime(task.createdAt), id: rowId }));
}

function decodeCursor(cursor: string): { time: number; id: number } | undefined {
  if (cursor === "") return undefined;
  const parsed = JSON.parse(atob(cursor)) as { value: string; id: number };
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) \+0000 UTC$/.exec(parsed.value);
  if (match === null || !Number.isInteger(parsed.id)) throw new Error("bad cursor");
  return { time: Date.parse(`${match[1]}T${match[2]}Z`), id: parsed.id };
}

function serialize({ rowId, task }: Row, { withResult, details }: { withResult: boolean; details: boolean }) {
  const stub = stubOf(task);
  const created = rfc3339(task.createdAt);
  return {
    id: task.id,
    external_id: task.id,
    status: task.status,
    failure_reason: task.failureReason ?? "",
    container_id: task.startedAt === undefined ? "" : `${stub.type ?? "function"}-${rowId}`,
    started_at: rfc3339(task.startedAt),
    ended_at: rfc3339(task.endedAt),
    created_at: created,
    updated_at: rfc3339(task.endedAt ?? task.startedAt ?? task.createdAt),
    stub: {
      id: stub.id,
      external_id: stub.id,
      name: stub.name,
      type: stub.type ?? "function/deployment",
      config: "{}",
    },
    deployment: { id: null, name: null, version: null },
    outputs: details ? (task.outputs ?? []) : [],
    stats: { active_containers: 0, queue_depth: 0 },
    result: withResult && task.result !== undefined ? task.result : null,
    workspace: { id: "fake-workspace", name: "fake", created_at: created, updated_at: created },
    external_workspace: null,
    app: { id: "", name: "" },
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, message: string): Response {
  return json(status, { message });
}
