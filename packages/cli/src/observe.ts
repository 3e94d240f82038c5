import { mkdir } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import type { CallbackResponse } from "@taskhook/core/adapter";
import { type Capture, headerPairs, writeCapture } from "./capture.js";
import { startInspector } from "./inspector/server.js";
import { parsePort, UsageError } from "./options.js";
import { writeLine } from "./terminal.js";

/** Why a refused callback was refused, one reason per line (from core's diagnosis). */
export interface DiagnosisItem {
  reason: string;
  message: string;
}

/** What `listen` knew about one request once it answered it: for `--record` and the inspector. */
export interface CallbackEvent {
  capture: Capture;
  /** The HTTP status `listen` answered. */
  httpStatus: number;
  /** `accepted`, `duplicate` (acknowledged, not processed again) or the refusal's error code. */
  verdict: string;
  /** The refusal's message. */
  message?: string;
  diagnosis?: DiagnosisItem[];
  taskId?: string;
  taskStatus?: string;
  /** X-Task-Timestamp, Unix seconds. */
  timestamp?: number;
  /** The `--forward-to` target's answer, or why it could not be reached. */
  forward?: { status?: number; error?: string; body?: string };
}

/** The answer `listen` gave, as its handler has it. */
export interface ListenOutcome {
  response: CallbackResponse | { code: string; message: string; status: number };
  forwarded?: { status?: number; error?: string; body?: Buffer } | undefined;
  diagnosis?: DiagnosisItem[] | undefined;
}

const forwardPreviewBytes = 2048;

/**
 * Keeps a copy of a request's body while core reads it: `body` goes to the processor (core
 * still enforces its size and time limits), `capture()` builds the record afterwards.
 */
export function tapRequest(req: IncomingMessage) {
  const receivedAt = new Date();
  const chunks: Buffer[] = [];
  let complete = false;
  async function* body() {
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
      yield chunk as Buffer;
    }
    complete = true;
  }
  return {
    body: body(),
    /** The event for this request, once `listen` has answered it. */
    event(outcome: ListenOutcome): CallbackEvent {
      const capture: Capture = {
        receivedAt,
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: headerPairs(req.rawHeaders),
        body: Buffer.concat(chunks),
      };
      if (!complete && capture.body.length > 0) capture.truncated = true;
      return { capture, ...describeOutcome(outcome) };
    },
  };
}

/** Mirrors `listen`'s own printed line: a refusal unless the callback verified (or was relayed). */
export function describeOutcome({ response, forwarded, diagnosis }: ListenOutcome): Omit<CallbackEvent, "capture"> {
  const callback = "callback" in response ? response.callback : undefined;
  const event: Omit<CallbackEvent, "capture"> = {
    httpStatus: forwarded?.status ?? (forwarded?.error === undefined ? response.status : 502),
    verdict: "accepted",
  };
  if (callback !== undefined) {
    event.taskId = callback.taskId;
    event.taskStatus = callback.status;
    event.timestamp = callback.timestamp;
  }
  if (callback === undefined || (forwarded === undefined && response.status >= 300)) {
    const { code, message } = "code" in response ? response : readError(response.body);
    event.verdict = code;
    event.message = message;
    if (diagnosis !== undefined && diagnosis.length > 0) event.diagnosis = diagnosis;
  } else if (forwarded === undefined && !(response as CallbackResponse).handled) {
    event.verdict = "duplicate";
  }
  if (forwarded !== undefined) {
    event.forward = {};
    if (forwarded.status !== undefined) event.forward.status = forwarded.status;
    if (forwarded.error !== undefined) event.forward.error = forwarded.error;
    if (forwarded.body !== undefined && forwarded.body.length > 0) {
      event.forward.body = forwarded.body.subarray(0, forwardPreviewBytes).toString("utf8");
    }
  }
  return event;
}

function readError(body: string): { code: string; message: string } {
  try {
    const { error } = JSON.parse(body) as { error: { code: string; message: string } };
    return { code: error.code, message: error.message };
  } catch {
    return { code: "UNKNOWN", message: body };
  }
}

/** The `listen` options that turn observation on; spread into its parser. */
export const observeOptions = {
  record: { type: "string" },
  ui: { type: "boolean" },
  "ui-port": { type: "string" },
} as const;

export const observeHelp = `  --record DIR        save every request (verified or refused) in DIR, one JSON file each with
                      its method, headers and raw body, named so they sort by arrival; read
                      them back with taskhook replay
  --ui                open the inspector: a page on 127.0.0.1 listing every request live,
                      with its headers, data, diagnosis, replay, copy as curl and download
  --ui-port N         the inspector's port (default: 4040; 0 for any free one)`;

/** Where `listen`'s requests go besides its own output: `--record` and `--ui`. */
export interface Observer {
  /** Called once `listen` is up, with the address callbacks are received at. */
  started(listenUrl: string): void;
  observe(event: CallbackEvent): void;
  close(): Promise<void>;
}

/**
 * The observer for `--record` and `--ui`, or `undefined` when neither is given. Fails with a
 * {@link UsageError} when the record directory cannot be created or the inspector's port is taken.
 */
export async function createObserver(
  values: { record?: string | undefined; ui?: boolean | undefined; "ui-port"?: string | undefined },
  context: { secret: string; forwardTo?: URL | undefined },
): Promise<Observer | undefined> {
  const dir = values.record;
  if (values["ui-port"] !== undefined && values.ui !== true) throw new UsageError("--ui-port needs --ui");
  if (dir === undefined && values.ui !== true) return undefined;
  if (dir !== undefined) {
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw new UsageError(`--record cannot create ${dir} (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
  }
  const inspector =
    values.ui === true
      ? await startInspector({ port: parsePort(values["ui-port"], 4040), forwardTo: context.forwardTo })
      : undefined;
  let sequence = 0;
  let writing = Promise.resolve();
  let failed = false;
  return {
    started(listenUrl) {
      if (dir !== undefined) writeLine(process.stderr, `recording every request in ${dir}`);
      if (inspector !== undefined) {
        inspector.setListenUrl(listenUrl);
        writeLine(process.stderr, `inspector on ${inspector.url} (open it in a browser)`);
      }
    },
    observe(event) {
      inspector?.add(event);
      if (dir === undefined) return;
      const number = ++sequence;
      // One write at a time, so files appear in the order their names sort in.
      writing = writing
        .then(() => writeCapture(dir, event.capture, number))
        .then(
          () => {},
          (error: unknown) => {
            if (failed) return;
            failed = true;
            writeLine(process.stderr, `taskhook listen: cannot record to ${dir}: ${(error as Error).message}`);
          },
        );
    },
    async close() {
      await writing;
      await inspector?.close();
    },
  };
}
