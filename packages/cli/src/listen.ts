import { AsyncLocalStorage } from "node:async_hooks";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Diagnosis, keyFingerprint, type TaskCallback } from "@taskhook/core";
import {
  type CallbackResponse,
  createCallbackProcessor,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_TOLERANCE_SECONDS,
  isRetriedStatus,
} from "@taskhook/core/adapter";
import { age, clock, colorHttp, colorStatus, preview } from "./format.js";
import { type Forwarded, forward, shownUrl } from "./forward.js";
import { createObserver, type Observer, observeHelp, observeOptions, tapRequest } from "./observe.js";
import {
  exitCodes,
  exitCodesHelp,
  parse,
  parseCount,
  parsePort,
  parseUrl,
  resolveSecret,
  UsageError,
} from "./options.js";
import { escapeControls, pc, writeLine } from "./terminal.js";

const listenHelp = `Usage: taskhook listen [options]

Receives Beam task callbacks locally, verifies each one (signature, timestamp, body) and
prints one line per request: time, task id, status, age and a preview of the data, or why
it was rejected, with a diagnosis of the signature (a body re-written on the way, a key with
whitespace or without sk_, a clock off...). Answers exactly as a taskhook adapter would,
duplicates included. The signing key's fingerprint (never the key) is printed at start, to
compare with another process's key.

Options:
  --port N            port to listen on, 0 for any free one (default: 4000)
  --host HOST         address to listen on (default: 127.0.0.1)
  --path PATH         path that receives callbacks; others get 404 (default: /)
  --secret S          signing key, sk_ prefix included (default: $TASKHOOK_SECRET)
  --json              print one JSON object per request:
                        {"ok":true,"taskId","status","timestamp","data"} or
                        {"ok":false,"code","message","diagnosis":[{"reason","message"}]}
  --forward-to URL    relay each verified callback to URL with the same bytes, its X-Task-*
                      and Content-Type headers (no others), and answer with that URL's status
                      and body (502 when it is unreachable)
  --max-body-bytes N  largest body accepted, in bytes (default: ${DEFAULT_MAX_BODY_BYTES},
                      16 MiB, the most Beam sends)
  --tolerance S       largest clock difference accepted, in seconds, past and future
                      (default: ${DEFAULT_TOLERANCE_SECONDS})
${observeHelp}
  -h, --help          show this help

The address is printed on stderr once listening; stop with Ctrl-C.

${exitCodesHelp}

Example:
  TASKHOOK_SECRET=sk_test taskhook listen --port 4000 --path /beam`;

/** What `taskhook listen` was asked to do. */
interface ListenSettings {
  port: number;
  host: string;
  path: string;
  secret: string;
  forwardTo: URL | undefined;
  json: boolean;
  /** `--record`, `--ui` and `--ui-port`, for {@link createObserver}. */
  observe: { record?: string | undefined; ui?: boolean | undefined; "ui-port"?: string | undefined };
  maxBodyBytes: number;
  toleranceSeconds: number;
}

export async function listenCommand(argv: string[]): Promise<number> {
  const settings = readSettings(argv);
  if (settings === undefined) {
    process.stdout.write(`${listenHelp}\n`);
    return exitCodes.ok;
  }
  const observer = await createObserver(settings.observe, settings);
  const handle = createHandler(settings, observer);
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, {}, "");
      writeLine(process.stderr, `taskhook listen: ${(error as Error).message}`);
    });
  });
  const failure = await listen(server, settings.port, settings.host);
  if (failure !== undefined) {
    writeLine(process.stderr, `taskhook listen: ${failure}`);
    await observer?.close();
    return exitCodes.failed;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}${settings.path}`;
  const relayNote = settings.forwardTo === undefined ? "" : `relaying to ${shownUrl(settings.forwardTo)}; `;
  const key = `signing key ${await keyFingerprint(settings.secret)}`;
  writeLine(process.stderr, `taskhook listening on ${url} (${key}; ${relayNote}Ctrl-C to stop)`);
  observer?.started(url);
  await closeOnSignal(server);
  await observer?.close();
  return exitCodes.ok;
}

/** The command line's settings, or `undefined` for `--help`. */
function readSettings(argv: string[]): ListenSettings | undefined {
  const { values } = parse(argv, {
    port: { type: "string" },
    host: { type: "string" },
    path: { type: "string" },
    secret: { type: "string" },
    json: { type: "boolean" },
    "forward-to": { type: "string" },
    ...observeOptions,
    "max-body-bytes": { type: "string" },
    tolerance: { type: "string" },
  });
  if (values.help) return undefined;
  const path = values.path ?? "/";
  if (!path.startsWith("/")) throw new UsageError(`--path must start with /; got "${path}"`);
  return {
    port: parsePort(values.port, 4000),
    host: values.host ?? "127.0.0.1",
    path,
    secret: resolveSecret(values.secret),
    forwardTo: values["forward-to"] === undefined ? undefined : parseUrl(values["forward-to"], "--forward-to"),
    json: values.json === true,
    observe: { record: values.record, ui: values.ui, "ui-port": values["ui-port"] },
    maxBodyBytes: parseCount(values["max-body-bytes"], "--max-body-bytes", DEFAULT_MAX_BODY_BYTES),
    toleranceSeconds: parseCount(values.tolerance, "--tolerance", DEFAULT_TOLERANCE_SECONDS),
  };
}

/** Answers one request as an adapter would (or relays it), then prints its line. */
function createHandler(settings: ListenSettings, observer?: Observer) {
  const { path, forwardTo } = settings;
  // Failures and refusals (with their diagnosis) are reported on the request's own line.
  const diagnoses = new AsyncLocalStorage<{ diagnosis?: Diagnosis }>();
  const processor = createCallbackProcessor({
    secret: settings.secret,
    maxBodyBytes: settings.maxBodyBytes,
    toleranceSeconds: settings.toleranceSeconds,
    onError: () => {},
    onRejected: (_error, info) => {
      const slot = diagnoses.getStore();
      if (slot !== undefined && info.diagnosis !== undefined) slot.diagnosis = info.diagnosis;
    },
  });
  // A refusal's diagnosis lines follow it: each line goes through the sanitiser on its own.
  const print = (text: string) => {
    for (const line of text.split("\n")) writeLine(process.stdout, line);
  };

  return async (req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    if (pathname !== path) {
      req.resume();
      const message = `taskhook listen receives callbacks at ${path}`;
      send(res, 404, jsonHeaders, errorBody("NOT_FOUND", message));
      print(describeRequest(settings, { code: "NOT_FOUND", message, status: 404 }));
      return;
    }

    let forwarded: Forwarded | undefined;
    const relay =
      forwardTo &&
      (async (callback: TaskCallback) => {
        forwarded = await forward(forwardTo, req.headers, callback.body);
        // A failed relay must not be remembered as done, so Beam's retry is relayed again.
        if (forwarded.error !== undefined || isRetriedStatus(forwarded.status as number))
          throw new Error("relay failed");
      });
    const tap = observer && tapRequest(req);
    const body = tap?.body ?? req;
    const slot: { diagnosis?: Diagnosis } = {};
    const response = await diagnoses.run(slot, () =>
      processor.process({ method: req.method, headers: req.headers, body }, relay),
    );

    if (forwarded?.status !== undefined) {
      const headers: Record<string, string> = {};
      if (forwarded.contentType !== undefined) headers["content-type"] = forwarded.contentType;
      send(res, forwarded.status, headers, forwarded.body ?? "");
    } else if (forwarded?.error !== undefined) {
      const message = `taskhook listen could not relay to ${forwardTo && shownUrl(forwardTo)}: ${forwarded.error}`;
      send(res, 502, jsonHeaders, errorBody("FORWARD_FAILED", message));
    } else {
      send(res, response.status, response.headers, response.body);
    }
    print(describeRequest(settings, response, forwarded, slot.diagnosis ?? []));
    if (tap) observer?.observe(tap.event({ response, forwarded, diagnosis: slot.diagnosis }));
  };
}

/** The line printed for one request: a rejection, or the callback with what happened to it. */
function describeRequest(
  settings: ListenSettings,
  response: CallbackResponse | Rejection,
  forwarded?: Forwarded,
  diagnosis?: Diagnosis,
) {
  const callback = "callback" in response ? response.callback : undefined;
  const rejected = forwarded === undefined && response.status >= 300;
  if (callback === undefined || rejected) {
    const { code, message } = "code" in response ? response : readError(response.body);
    if (settings.json) return JSON.stringify({ ok: false, code, message, ...(diagnosis && { diagnosis }) });
    const line = `${pc.dim(clock())}  ${pc.red("rejected")}  ${colorHttp(response.status)} ${pc.bold(code)}  ${pc.dim(message)}`;
    return [
      line,
      ...(diagnosis ?? []).map((entry) => `          ${pc.yellow(entry.reason)}  ${escapeControls(entry.message)}`),
    ].join("\n");
  }
  const duplicate = forwarded === undefined && !(response as CallbackResponse).handled;
  if (settings.json) {
    const { taskId, status, timestamp, data } = callback;
    const line: Record<string, unknown> = { ok: true, taskId, status, timestamp, data };
    if (duplicate) line.duplicate = true;
    if (forwarded !== undefined)
      line.forward = forwarded.error === undefined ? { status: forwarded.status } : { error: forwarded.error };
    return JSON.stringify(line);
  }
  const parts = [
    pc.dim(clock()),
    callback.taskId,
    colorStatus(callback.status),
    pc.dim(`age ${age(callback.timestamp)}`),
    preview(callback.data),
  ];
  if (duplicate) parts.push(pc.yellow("(duplicate: acknowledged, not processed again)"));
  if (forwarded?.status !== undefined)
    parts.push(`${pc.dim("->")} ${colorHttp(forwarded.status)} ${settings.forwardTo && shownUrl(settings.forwardTo)}`);
  if (forwarded?.error !== undefined) parts.push(`${pc.dim("->")} ${pc.red(`relay failed: ${forwarded.error}`)}`);
  return parts.join("  ");
}

/** Starts listening; resolves to why it could not, or `undefined` once it listens. */
async function listen(server: Server, port: number, host: string): Promise<string | undefined> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "EADDRINUSE"
      ? `port ${port} on ${host} is already in use; pick another with --port`
      : `cannot listen on ${host}:${port} (${code ?? (error as Error).message})`;
  }
}

/** Resolves once Ctrl-C (or SIGTERM) has closed the server and its connections. */
function closeOnSignal(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

const jsonHeaders = { "content-type": "application/json; charset=utf-8" };

interface Rejection {
  code: string;
  message: string;
  status: number;
}

function readError(body: string): { code: string; message: string } {
  return (JSON.parse(body) as { error: { code: string; message: string } }).error;
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer) {
  res.writeHead(status, headers).end(body);
}
