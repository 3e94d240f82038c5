import type { SchemaOption } from "@taskhook/core";
import {
  errorStatus,
  type RejectionInfo,
  signCallback,
  type TaskCallback,
  type TaskCallbackErrorCode,
} from "@taskhook/core";
import { type ProcessorOptions, toPythonJson } from "@taskhook/core/adapter";
import { expect, onTestFinished } from "vitest";
import { type RunningServer, type SendRequest, type SendResponse, send, type UploadResult } from "./http.js";
import { loadVectors, type VectorFile } from "./vector-file.js";

/** What the route behind a middleware answers by itself: its status and JSON body. */
export interface RouteAnswer {
  status: number;
  body: unknown;
}

/**
 * What the suite hands an adapter's `start`: the processor options to pass on unchanged, with
 * a recording `onCallback`. Handler-style adapters pass it as their `onCallback` (which ignores
 * what it resolves to); middleware adapters call it from the route behind the middleware, answer
 * with the {@link RouteAnswer} it resolves to, and let its rejection fail the route.
 */
export interface StartOptions extends ProcessorOptions {
  onCallback: (callback: TaskCallback) => Promise<RouteAnswer>;
}

/** How an adapter answers a method other than POST; the rule its README documents. */
export type NonPostRule =
  /** 405 `METHOD_NOT_ALLOWED` with `Allow: POST`, in core's error shape (handlers that own the URL). */
  | "405"
  /** Passed on to the next route, so the framework answers 404 (middleware in a method-routing framework). */
  | "next";

/** The adapter under test. */
export interface ConformanceTarget {
  /** Shown in test names, e.g. `"hono (middleware)"`. */
  name: string;
  /**
   * Boots the adapter with `options` on 127.0.0.1 (port 0) and returns the callback URL. Mount
   * nothing else at that URL. The suite closes the server after each test.
   */
  start: (options: StartOptions) => Promise<RunningServer> | RunningServer;
  /** The adapter's documented rule for non-POST requests. */
  nonPost: NonPostRule;
  /**
   * `"middleware"` when the callback goes on to a route in your test file that answers with
   * what `onCallback` resolves to: the suite then also checks that the route's own answer
   * reaches Beam and that a 5xx leaves the callback unprocessed. Default `"handler"`.
   */
  mode?: "handler" | "middleware";
  /**
   * True for an adapter that answers on `node:http` itself (Express, Fastify): after an early
   * answer (413) it must still deliver it to a client that writes its whole body before
   * reading. A fetch-style adapter leaves the connection to its runtime's server. Default false.
   */
  ownsConnection?: boolean;
  /**
   * Why the runtime's server keeps a connection open whatever the handler answers, when it does
   * (Deno.serve ignores the `Connection: close` of a 408): the timeout cases then check the 408
   * but not the close. Leave unset everywhere else.
   */
  keepsConnectionsOpen?: string;
  /**
   * Why the runtime's server may reset an upload it stopped reading before its 413 reaches the
   * client, when it does (workerd, at times): the 64 MiB upload cases then accept that reset,
   * still checking that most of the upload was never sent. Leave unset everywhere else.
   */
  resetsLargeUploads?: string;
  /**
   * Why the runtime's server reads a request body ahead of the handler, when it does (Bun.serve
   * keeps taking an upload the handler stopped reading, tens of MB on a busy machine): the
   * 64 MiB upload cases then check the 413 and that the handler never ran, but not how much of
   * the upload was sent first. Leave unset everywhere else.
   */
  readsUploadsAhead?: string;
  /**
   * Why the runtime's server closes a connection, unanswered, when a request arrives pipelined
   * behind an answer that is still being computed, when it does (Bun.serve, for any answer that
   * awaits more than a microtask): the flood case then sends each connection's requests one
   * after another, each once the one before was answered. Leave unset everywhere else.
   */
  closesPipelinedConnections?: string;
  /**
   * Why the runtime's server closes a keep-alive connection after an answer that left the request
   * body unread, when it does (workerd, Bun.serve): requests refused from their headers alone are
   * then not followed by more on the same connection, so the flood case sends each request on a
   * connection of its own, and a refused vector's chunked body goes in one chunk (a client still
   * writing when the connection closes may see the close before the answer). Leave unset
   * everywhere else.
   */
  closesAfterUnreadBody?: string;
  /** Path of a vectors file; default `$TASKHOOK_VECTORS`, else the copy this package ships. */
  vectors?: string;
}

/** How one test boots the adapter. */
export interface ServerSetup {
  /** Processor options over the suite's defaults (secret, clock, onError). */
  options?: Partial<Omit<ProcessorOptions, "onCallback" | "schema">> & { schema?: SchemaOption };
  /** Runs after each callback is recorded; throw or reject to fail the handler (or the route). */
  handler?: (callback: TaskCallback) => unknown;
  /**
   * Middleware mode: what the route answers by itself once the handler is done, given how
   * many callbacks it has received (1 for the first). Default 200 `{"ok": true}`.
   */
  answer?: (callback: TaskCallback, count: number) => RouteAnswer;
}

/** A booted adapter, closed after the test. */
export interface TestServer {
  url: string;
  /** Every callback the handler received, in order. */
  received: TaskCallback[];
  /** Everything the processor reported through `onError`. */
  errors: unknown[];
  /** Every refusal the processor reported through `onRejected`, in order. */
  rejections: RejectionInfo[];
  send(request?: SendRequest): Promise<SendResponse>;
}

/** How to sign a test request; defaults are the suite's key and clock. */
export interface SignInit {
  secret?: string;
  timestamp?: number;
  taskId?: string;
  status?: string;
  contentType?: string;
}

/** A signed request, ready for {@link TestServer.send}. */
export interface SignedRequest {
  headers: Record<string, string>;
  body: Uint8Array | string;
}

/** Everything a case file needs; new case files take the same context. */
export interface SuiteContext {
  target: ConformanceTarget;
  vectors: VectorFile;
  /** The key servers trust unless a test says otherwise. */
  secret: string;
  /** The servers' clock, in Unix seconds, unless a test says otherwise. */
  now: number;
  /** Boots the adapter for the current test (call it inside `it`); it is closed when the test ends. */
  start(setup?: ServerSetup): Promise<TestServer>;
  /** Signs `body` as it is (any bytes), as Beam signs. */
  sign(body: Uint8Array | string, init?: SignInit): Promise<SignedRequest>;
  /** Beam's exact bytes for `data` (`{"data": ...}` as Python's `json.dumps` writes it), signed. */
  callback(data: unknown, init?: SignInit): Promise<SignedRequest>;
}

/** 2025-11-28T08:00:00Z: a fixed clock, so no test depends on the machine's time. */
const suiteNow = 1_764_316_800;

export function createContext(target: ConformanceTarget): SuiteContext {
  const vectors = loadVectors(target.vectors);
  const secret = vectors.keys[0] as string;

  async function start(setup: ServerSetup = {}): Promise<TestServer> {
    const received: TaskCallback[] = [];
    const errors: unknown[] = [];
    const rejections: RejectionInfo[] = [];
    // A schema changes only `data`'s type; the adapter under test passes it on untyped.
    const options = {
      secret,
      now: () => suiteNow * 1000,
      onError: (error: unknown) => errors.push(error),
      onRejected: (_error: unknown, info: RejectionInfo) => rejections.push(info),
      ...setup.options,
    };
    const server = await target.start({
      ...(options as unknown as Omit<StartOptions, "onCallback">),
      onCallback: async (callback) => {
        received.push(callback);
        await setup.handler?.(callback);
        return setup.answer?.(callback, received.length) ?? { status: 200, body: { ok: true } };
      },
    });
    onTestFinished(() => server.close());
    return { url: server.url, received, errors, rejections, send: (request) => send(server.url, request) };
  }

  async function sign(body: Uint8Array | string, init: SignInit = {}): Promise<SignedRequest> {
    const timestamp = init.timestamp ?? suiteNow;
    const signature = await signCallback({ body, secret: init.secret ?? secret, timestamp });
    return {
      headers: {
        "Content-Type": init.contentType ?? "application/json",
        "X-Task-ID": init.taskId ?? globalThis.crypto.randomUUID(),
        "X-Task-Status": init.status ?? "COMPLETE",
        "X-Task-Timestamp": String(timestamp),
        "X-Task-Signature": signature["X-Task-Signature"],
      },
      body,
    };
  }

  return {
    target,
    vectors,
    secret,
    now: suiteNow,
    start,
    sign,
    callback: (data, init) => sign(toPythonJson({ data }), init),
  };
}

/** The answer is 2xx; shows the body when it is not. */
export function expectAccepted(response: SendResponse): void {
  expect(Math.floor(response.status / 100), `expected 2xx, got ${response.status} ${response.text}`).toBe(2);
}

/** The answer is core's error for `code`: its status, JSON, and exactly `{"error": {code, message}}`. */
export function expectError(response: SendResponse, code: TaskCallbackErrorCode): void {
  expect({ status: response.status, body: response.json }).toEqual({
    status: errorStatus[code],
    body: { error: { code, message: expect.stringMatching(/\S/) } },
  });
  expect(response.headers["content-type"]).toMatch(/^application\/json\b/);
}

/** Copies `headers` without `name` (matched case-insensitively). */
export function withoutHeader(headers: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() !== name.toLowerCase()));
}

/**
 * The large-upload cases under the target's named differences (`readsUploadsAhead`,
 * `resetsLargeUploads`): how their names end, and their check of the answer.
 */
export function largeUploads(target: ConformanceTarget) {
  const { readsUploadsAhead: readsAhead, resetsLargeUploads: resets } = target;
  return {
    when:
      (readsAhead === undefined
        ? "before it is read"
        : `unread (how much is sent first is not checked: ${readsAhead})`) +
      (resets === undefined ? "" : `, or reset unanswered (${resets})`),
    /** `code`, unless the runtime may reset instead; and most of the upload never sent, unless it reads ahead. */
    expectRefused(result: UploadResult, code: TaskCallbackErrorCode, totalBytes: number): void {
      if (!(result.resetBeforeAnswer && resets !== undefined)) expectError(result, code);
      // A server that reads (or buffers) the body before answering lets the client send all of it.
      if (readsAhead === undefined) expect(result.bytesSentBeforeAnswer).toBeLessThan(totalBytes / 2);
    },
  };
}
