// Runs inside the runtime under test (Bun, workerd): Web APIs only. The conformance suite's
// options hold functions (the recording `onCallback`, `onError`, a test's idempotency store),
// which cannot cross into another process, so each becomes a call back to the test process over
// HTTP, where the real function runs; its answer (or failure) comes back as the function's.
import type { IdempotencyStore, RejectionInfo, TaskCallback, TaskCallbackError } from "@taskhook/core";
import type { StandardSchemaV1 } from "@taskhook/core/adapter";
import { createCallbackHandler } from "@taskhook/fetch";

/** What the test process sends to create one handler: the plain options, and where to call back. */
export interface HandlerConfig {
  /** The JSON-safe processor options (secret, limits, toleranceSeconds...). */
  options: Record<string, unknown>;
  /** The suite's clock, sampled when the handler was made: it stays at this instant. */
  nowMs?: number;
  /** `default`: the runtime's own in-memory store; `off`: `idempotency: false`; `remote`: the test's store. */
  store: "default" | "off" | "remote";
  /** The test process's control server, which runs `onCallback`, `onError`, the store and the schema. */
  control: string;
  /** The test's `schema`, which validates in the test process: `one` schema, or a map with these statuses. */
  schema?: "one" | string[];
}

/** A callback as it crosses the process boundary: the raw body as base64. */
export type WireCallback = Omit<TaskCallback, "body"> & { body: string };

const handlersPath = "/handlers/";

/**
 * The runtime's whole server: `POST /handlers` makes a handler from a {@link HandlerConfig} and
 * answers its path; `DELETE /handlers/<id>` drops it; any request to `/handlers/<id>` is that
 * handler's. One runtime process serves every test of a file, each test with its own handler
 * (and so its own default store).
 */
export function createHandlerRouter(): (request: Request) => Promise<Response> {
  const handlers = new Map<string, (request: Request) => Promise<Response>>();
  let nextId = 1;
  return async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/handlers" && request.method === "POST") {
      const id = String(nextId++);
      const reports = new Set<Promise<unknown>>();
      const handle = createCallbackHandler(optionsFrom((await request.json()) as HandlerConfig, reports));
      // `onError` cannot make the answer wait, so the router does: what it reports is recorded in the test process
      // before the client sees the answer, as it is in process. `onRejected` does not hold the answer (the suite
      // waits for its reports): held, a refusal's answer waited on the test process, which let a 64 MiB upload
      // run on past its 413, and Bun closes a pipelined connection behind any awaited answer.
      handlers.set(id, async (callbackRequest) => {
        const response = await handle(callbackRequest);
        await Promise.all(reports);
        return response;
      });
      return Response.json({ path: `${handlersPath}${id}` });
    }
    const id = pathname.startsWith(handlersPath) ? pathname.slice(handlersPath.length) : "";
    const handler = handlers.get(id);
    if (handler === undefined) return new Response(`no handler at ${pathname}`, { status: 404 });
    if (request.method === "DELETE" && request.headers.get("x-conformance-control") === "close") {
      handlers.delete(id);
      return new Response(null, { status: 204 });
    }
    return handler(request);
  };
}

function optionsFrom(
  config: HandlerConfig,
  reports: Set<Promise<unknown>>,
): Parameters<typeof createCallbackHandler>[0] {
  const call = (path: string, payload: unknown) => control(config.control, path, payload);
  const options = {
    ...(config.options as { secret: string | readonly string[] }),
    onCallback: (callback: TaskCallback) => call("callback", toWire(callback)),
    onError: (error: unknown, callback?: TaskCallback) =>
      report(call("error", { error: describe(error), callback: callback && toWire(callback) })),
    // Numbered, so the test process records them in the order they were made; not chained, as workerd
    // cancels I/O started from an earlier request's promise.
    onRejected: (error: TaskCallbackError, info: RejectionInfo) =>
      void call("rejected", { seq: rejected++, code: error.code, message: error.message, info }).catch(() => {}),
  };
  let rejected = 0;
  function report(sent: Promise<unknown>): void {
    const settled = sent.catch(() => {});
    reports.add(settled);
    void settled.finally(() => reports.delete(settled));
  }
  if (config.nowMs !== undefined) {
    const nowMs = config.nowMs;
    Object.assign(options, { now: () => nowMs });
  }
  if (config.schema !== undefined) Object.assign(options, { schema: remoteSchema(config.schema, call) });
  if (config.store === "off") Object.assign(options, { idempotency: false });
  if (config.store === "remote") {
    const store: IdempotencyStore = {
      begin: (key, ttlMs) => call("store/begin", [key, ttlMs]) as ReturnType<IdempotencyStore["begin"]>,
      complete: async (key, ttlMs) => void (await call("store/complete", [key, ttlMs])),
      release: async (key) => void (await call("store/release", [key])),
    };
    Object.assign(options, { idempotency: store });
  }
  return options;
}

/** A Standard Schema (or a map of them) whose `validate` runs the test's schema in the test process. */
function remoteSchema(
  shape: "one" | string[],
  call: (path: string, payload: unknown) => Promise<unknown>,
): StandardSchemaV1 | Record<string, StandardSchemaV1> {
  const schema = (name: string): StandardSchemaV1 => ({
    "~standard": {
      version: 1,
      vendor: "taskhook-runtime-target",
      validate: async (value) =>
        (await call("validate", { schema: name, value })) as Awaited<
          ReturnType<StandardSchemaV1["~standard"]["validate"]>
        >,
    },
  });
  return shape === "one" ? schema("one") : Object.fromEntries(shape.map((status) => [status, schema(status)]));
}

async function control(base: string, path: string, payload: unknown): Promise<unknown> {
  const response = await fetch(new URL(path, base), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(payload),
  });
  const answer = (await response.json()) as { value?: unknown; error?: string };
  if (!response.ok) throw new Error(answer.error ?? `control answered ${response.status}`);
  return answer.value;
}

/** JSON has no -0 (Beam sends `-0.0`), so it crosses as this marker; runtime-target.ts revives it. */
export const negativeZero = "__taskhook_negative_zero__";

function toWire(callback: TaskCallback): WireCallback {
  const data = JSON.parse(
    JSON.stringify(callback.data ?? null, (_, value) => (Object.is(value, -0) ? { [negativeZero]: true } : value)),
  );
  return { ...callback, data: callback.data === undefined ? undefined : data, body: base64(callback.body) };
}

// A 12 MiB body byte by byte took 4.6 s in Bun, past the case's timeout: the runtime's own
// encoder where it has one (Bun, Deno), else 32 KiB at a time.
function base64(bytes: Uint8Array): string {
  const native = (bytes as Uint8Array & { toBase64?: () => string }).toBase64;
  if (native !== undefined) return native.call(bytes);
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 0x8000) parts.push(String.fromCharCode(...bytes.subarray(i, i + 0x8000)));
  return btoa(parts.join(""));
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
