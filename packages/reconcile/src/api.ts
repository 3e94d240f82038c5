import type { BeamTask } from "./task.js";

/** Beam's API host (the SDK's `API_HOST` default). */
export const DEFAULT_API_URL = "https://app.beam.cloud";

/** Why a call to Beam's API failed, once retries (where they apply) ran out. */
export type BeamApiErrorCode =
  | "UNAUTHORIZED"
  | "RATE_LIMITED"
  | "SERVER_ERROR"
  | "TIMEOUT"
  | "NETWORK_ERROR"
  | "CLIENT_ERROR"
  | "BAD_RESPONSE";

/** A failed call to Beam's task API. Check `code`, never `instanceof` (bundlers rename classes). */
export class BeamApiError extends Error {
  override readonly name = "BeamApiError";
  readonly code: BeamApiErrorCode;
  /** The last HTTP status, when there was an answer. */
  readonly status: number | undefined;
  /** Requests made, retries included. */
  readonly attempts: number;

  constructor(
    code: BeamApiErrorCode,
    message: string,
    details: { status?: number; attempts?: number; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.attempts = details.attempts ?? 1;
  }
}

/**
 * True for a {@link BeamApiError}, from any copy of this package.
 *
 * @example
 * ```ts
 * try { await reconciler.run(); } catch (error) { if (isBeamApiError(error) && error.code === "UNAUTHORIZED") rotateToken(); }
 * ```
 */
export function isBeamApiError(error: unknown): error is BeamApiError {
  return (
    (error as { name?: unknown } | null)?.name === "BeamApiError" && typeof (error as BeamApiError).code === "string"
  );
}

/** How to reach Beam's task API. */
export interface BeamApiOptions {
  /** The workspace id (Settings -> General in Beam's dashboard). */
  workspaceId: string;
  /** A workspace API token, sent as `Authorization: Bearer <token>`. */
  token: string;
  /** Default `https://app.beam.cloud`; a self-hosted beta9 gateway's HTTP address otherwise. */
  apiUrl?: string;
  /** The `fetch` to use. Default: the global one. */
  fetch?: typeof fetch;
  /** Longest wait for one answer, body included, before it counts as a timeout. Default 30 s. */
  timeoutMs?: number;
  /**
   * Retries of 429 (after its `Retry-After`), 408, 5xx, timeouts and network errors, with
   * exponential backoff and jitter. Default: 5 attempts, 500 ms doubling up to 30 s.
   */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Told before each retry, e.g. to log rate limiting. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

/** Filters for {@link BeamTaskApi.listTasks}, named after the API's query parameters. */
export interface TaskListQuery {
  /** `status`: any of these (the API takes them comma-separated). */
  statuses?: readonly string[];
  /** `stub_ids`: tasks of these stubs (functions, task queues, endpoints). */
  stubIds?: readonly string[];
  /** `stub_names`: tasks of stubs with these names. */
  stubNames?: readonly string[];
  /** `created_at_start`: created at or after. */
  createdAtStart?: Date;
  /** `created_at_end`: created at or before. */
  createdAtEnd?: Date;
  /** `limit`: tasks per page. Default 100. */
  pageSize?: number;
}

/** The two task endpoints of Beam's API. */
export interface BeamTaskApi {
  /** Every page of `GET /api/v1/task/{workspaceId}`, newest task first, following `next`. */
  listTasks(query?: TaskListQuery): AsyncGenerator<BeamTask[], void, undefined>;
  /** `GET /api/v1/task/{workspaceId}/{taskId}`, with its `result`; `null` when Beam has no such task. */
  getTask(taskId: string): Promise<BeamTask | null>;
}

/**
 * A client for Beam's task API, on the standard `fetch` (any runtime). Rate limits, 5xx,
 * timeouts and network errors are retried with backoff; other answers fail at once.
 *
 * @example
 * ```ts
 * const api = createBeamTaskApi({ workspaceId, token: process.env.BEAM_TOKEN! });
 * for await (const page of api.listTasks({ statuses: ["EXPIRED"] })) console.log(page.map((t) => t.id));
 * ```
 */
export function createBeamTaskApi(options: BeamApiOptions): BeamTaskApi {
  const { workspaceId, token } = options;
  if (typeof workspaceId !== "string" || workspaceId === "") {
    throw new TypeError("taskhook: `workspaceId` must be your Beam workspace id (Settings -> General).");
  }
  if (typeof token !== "string" || token === "") {
    throw new TypeError("taskhook: `token` must be a Beam API token of the workspace (Settings -> API Keys).");
  }
  const base = `${(options.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, "")}/api/v1/task/${encodeURIComponent(workspaceId)}`;
  const get = createGetter(options);

  return {
    async *listTasks(query = {}) {
      const params = listParams(query);
      const seen = new Set<string>();
      for (let cursor = ""; ; ) {
        if (cursor !== "") params.set("cursor", cursor);
        const page = (await get(`${base}?${params}`, false)) as { data?: unknown; next?: unknown };
        if (page === null || !Array.isArray(page.data)) {
          throw new BeamApiError(
            "BAD_RESPONSE",
            "Beam's task list did not hold a `data` array; is `apiUrl` right?",
            {},
          );
        }
        yield page.data as BeamTask[];
        const next = typeof page.next === "string" ? page.next : "";
        if (next === "") return;
        if (seen.has(next)) throw new BeamApiError("BAD_RESPONSE", "Beam's task list repeated a cursor.", {});
        seen.add(next);
        cursor = next;
      }
    },
    async getTask(taskId) {
      const task = await get(`${base}/${encodeURIComponent(taskId)}`, true);
      if (task !== null && (typeof task !== "object" || typeof (task as BeamTask).id !== "string")) {
        throw new BeamApiError("BAD_RESPONSE", `Beam's answer for task ${taskId} is not a task.`, {});
      }
      return task as BeamTask | null;
    },
  };
}

function listParams(query: TaskListQuery): URLSearchParams {
  const params = new URLSearchParams({ limit: String(query.pageSize ?? 100), skip_details: "true" });
  if (query.statuses?.length) params.set("status", query.statuses.join(","));
  if (query.stubIds?.length) params.set("stub_ids", query.stubIds.join(","));
  if (query.stubNames?.length) params.set("stub_names", query.stubNames.join(","));
  if (query.createdAtStart) params.set("created_at_start", query.createdAtStart.toISOString());
  if (query.createdAtEnd) params.set("created_at_end", query.createdAtEnd.toISOString());
  return params;
}

type Attempt = { value: unknown } | { retry: BeamApiError; delayMs?: number };

function createGetter(options: BeamApiOptions) {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const attempts = options.retry?.attempts ?? 5;
  const baseDelayMs = options.retry?.baseDelayMs ?? 500;
  const maxDelayMs = options.retry?.maxDelayMs ?? 30_000;
  const headers = { authorization: `Bearer ${options.token}`, accept: "application/json" };

  async function once(url: string, notFoundIsNull: boolean, attempt: number): Promise<Attempt> {
    let response: Response;
    try {
      response = await fetchImpl(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
      if (response.ok) return { value: parseJson(await response.text(), url) };
    } catch (error) {
      if (isBeamApiError(error)) throw error;
      const name = (error as { name?: unknown } | null)?.name;
      if (name === "TimeoutError" || name === "AbortError") {
        return {
          retry: new BeamApiError("TIMEOUT", `Beam's API did not answer within ${timeoutMs} ms.`, {
            attempts: attempt,
          }),
        };
      }
      const message = `Beam's API is unreachable (${(error as Error)?.message ?? String(error)}).`;
      return { retry: new BeamApiError("NETWORK_ERROR", message, { attempts: attempt, cause: error }) };
    }
    const status = response.status;
    const text = await response.text().catch(() => "");
    if (status === 404 && notFoundIsNull) return { value: null };
    const detail = { status, attempts: attempt };
    if (status === 401 || status === 403) {
      throw new BeamApiError(
        "UNAUTHORIZED",
        `Beam's API answered ${status}: check the token and that it belongs to workspace ${options.workspaceId}.`,
        detail,
      );
    }
    if (status === 429) {
      const error = new BeamApiError("RATE_LIMITED", "Beam's API kept answering 429 (rate limited).", detail);
      const delayMs = retryAfterMs(response.headers.get("retry-after"), maxDelayMs);
      return delayMs === undefined ? { retry: error } : { retry: error, delayMs };
    }
    if (status >= 500 || status === 408) {
      return {
        retry: new BeamApiError("SERVER_ERROR", `Beam's API answered ${status} ${message(text)}`.trim(), detail),
      };
    }
    throw new BeamApiError("CLIENT_ERROR", `Beam's API answered ${status} ${message(text)} for ${url}`, detail);
  }

  return async function get(url: string, notFoundIsNull: boolean): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await once(url, notFoundIsNull, attempt);
      if ("value" in outcome) return outcome.value;
      if (attempt >= attempts) throw outcome.retry;
      const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      const delayMs = outcome.delayMs ?? backoff;
      options.onRetry?.({ attempt, delayMs, reason: outcome.retry.message });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  };
}

/** `Retry-After` as seconds or an HTTP date, in ms, capped; `undefined` when absent or unreadable. */
function retryAfterMs(value: string | null, maxMs: number): number | undefined {
  if (value === null) return undefined;
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  return Number.isNaN(seconds) ? undefined : Math.min(Math.max(seconds, 0), maxMs);
}

function parseJson(text: string, url: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BeamApiError("BAD_RESPONSE", `Beam's API answered ${url} with something that is not JSON.`, {});
  }
}

/** Beam's error bodies are `{"message": "..."}`. */
function message(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === "string" && parsed.message !== "") return `(${parsed.message})`;
  } catch {}
  return "";
}
