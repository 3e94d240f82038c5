// The test-process half of running the conformance suite in another runtime: one runtime process
// per test file serves a fresh handler per test (made by runtime-handlers.ts from the suite's
// options), and a small control server here runs the functions among those options
// (`onCallback`, `onError`, a test's idempotency store) when the runtime calls them.
import type { IncomingMessage, ServerResponse } from "node:http";
import { type ConformanceTarget, type StartOptions, startHttpServer } from "@taskhook/conformance";
import {
  type IdempotencyStore,
  type RejectionInfo,
  type SchemaOption,
  type TaskCallback,
  TaskCallbackError,
  type TaskCallbackErrorCode,
} from "@taskhook/core";
import type { StandardSchemaV1 } from "@taskhook/core/adapter";
import { type HandlerConfig, negativeZero, type WireCallback } from "./runtime-handlers.js";

/** A runtime serving runtime-handlers.ts's router at `url`. */
export interface RuntimeServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * A conformance target whose handlers run in the runtime `boot` starts (once, on the first test);
 * call `stop` after the suite.
 */
export function runtimeTarget(
  target: Omit<ConformanceTarget, "start">,
  boot: () => Promise<RuntimeServer>,
): { target: ConformanceTarget; stop(): Promise<void> } {
  let runtime: Promise<RuntimeServer> | undefined;
  const start = async (options: StartOptions) => {
    runtime ??= boot();
    const { url } = await runtime;
    const rejected = rejectedInOrder(options);
    const control = await startHttpServer(
      (request, response) => void answerControl(options, rejected, request, response),
    );
    const created = await fetch(new URL("/handlers", url), {
      method: "POST",
      body: JSON.stringify(handlerConfig(options, control.url)),
    });
    if (!created.ok) throw new Error(`the runtime refused the handler: ${created.status} ${await created.text()}`);
    const handlerUrl = new URL(((await created.json()) as { path: string }).path, url).href;
    return {
      url: handlerUrl,
      close: async () => {
        await fetch(handlerUrl, { method: "DELETE", headers: { "x-conformance-control": "close" } });
        await control.close();
      },
    };
  };
  return { target: { ...target, start }, stop: async () => (await runtime)?.stop() };
}

function handlerConfig(options: StartOptions, control: string): HandlerConfig {
  const { onCallback, onError, onRejected, now, idempotency, schema, ...plain } = options;
  const functions = Object.keys(plain).filter((key) => typeof plain[key as keyof typeof plain] === "function");
  if (functions.length > 0) throw new Error(`runtime-target.ts does not forward ${functions.join(", ")} yet`);
  const config: HandlerConfig = {
    options: plain,
    store: idempotency === undefined ? "default" : idempotency === false ? "off" : "remote",
    control,
  };
  if (now !== undefined) config.nowMs = now();
  if (schema !== undefined) config.schema = isSchema(schema) ? "one" : Object.keys(schema);
  return config;
}

type Rejected = { seq: number; code: TaskCallbackErrorCode; message: string; info: RejectionInfo };
type RejectedInOrder = (report: Rejected) => void;

async function answerControl(
  options: StartOptions,
  rejected: RejectedInOrder,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const payload: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const reply = (status: number, body: unknown) =>
    response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  try {
    reply(200, {
      value: (await run(options, rejected, new URL(request.url ?? "/", "http://control").pathname, payload)) ?? null,
    });
  } catch (error) {
    reply(500, { error: error instanceof Error ? error.message : String(error) });
  }
}

function run(options: StartOptions, rejected: RejectedInOrder, path: string, payload: unknown): unknown {
  const store = options.idempotency as IdempotencyStore;
  switch (path) {
    case "/callback":
      return options.onCallback(fromWire(payload as WireCallback));
    case "/error": {
      const { error, callback } = payload as { error: string; callback?: WireCallback };
      return options.onError?.(new Error(error), callback && fromWire(callback));
    }
    case "/rejected":
      return rejected(payload as Rejected);
    case "/validate": {
      const { schema: name, value } = payload as { schema: string; value: unknown };
      const schemas = options.schema as unknown as SchemaOption;
      const schema = isSchema(schemas) ? schemas : schemas[name as keyof typeof schemas];
      if (schema === undefined) throw new Error(`the test has no schema for ${name}`);
      return schema["~standard"].validate(value);
    }
    case "/store/begin":
      return store.begin(...(payload as [string, number]));
    case "/store/complete":
      return store.complete(...(payload as [string, number]));
    case "/store/release":
      return store.release(...(payload as [string]));
    default:
      throw new Error(`unknown control call ${path}`);
  }
}

/** The runtime numbers its refusal reports, which may arrive out of order: they reach `onRejected` in order. */
function rejectedInOrder(options: StartOptions): RejectedInOrder {
  const waiting = new Map<number, Rejected>();
  let next = 0;
  return (report) => {
    waiting.set(report.seq, report);
    for (let due = waiting.get(next); due !== undefined; due = waiting.get(next)) {
      waiting.delete(next++);
      options.onRejected?.(new TaskCallbackError(due.code, due.message), due.info);
    }
  };
}

function isSchema(schema: SchemaOption): schema is StandardSchemaV1 {
  return "~standard" in schema;
}

function fromWire(callback: WireCallback): TaskCallback {
  // The runtime verified it: its status and data go together as they did there.
  return {
    ...callback,
    data: reviveNegativeZero(callback.data),
    body: new Uint8Array(Buffer.from(callback.body, "base64")),
  } as TaskCallback;
}

function reviveNegativeZero(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (negativeZero in value && Object.keys(value).length === 1) return -0;
  // Objects are revived in place; only a marker is replaced (so a `__proto__` key stays a plain key).
  for (const [key, inner] of Object.entries(value)) {
    const revived = reviveNegativeZero(inner);
    if (revived !== inner) Object.defineProperty(value, key, { value: revived, enumerable: true, writable: true });
  }
  return value;
}
