import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { deliverCallback } from "@taskhook/core";
import { captureFileName, formatCapture } from "../capture.js";
import type { CallbackEvent } from "../observe.js";
import { replayRequest } from "../replay.js";
import { curlFor, detailOf, type Entry, type Summary, summarize } from "./entries.js";
import { appCss, appJs, favicon, indexHtml } from "./page.js";

/** The inspector `listen --ui` serves: a page and its API, on 127.0.0.1 only. */
export interface Inspector {
  url: string;
  /** The listener's own address: where a replay goes without `--forward-to`. */
  setListenUrl(url: string): void;
  add(event: CallbackEvent): void;
  close(): Promise<void>;
}

// Enough for a long debugging session; the oldest entries go first past either limit.
const maxEntries = 2000;
const maxStoredBytes = 512 * 1024 * 1024;
const heartbeatMs = 15_000;

// The page only loads its own files and talks to its own origin.
const pageHeaders = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

/**
 * Starts the inspector on 127.0.0.1. Requests whose Host is not this address are refused (a
 * web page cannot reach it through DNS rebinding), and actions need a header that a
 * cross-site form cannot send.
 */
export async function startInspector(options: { port: number; forwardTo?: URL | undefined }): Promise<Inspector> {
  const entries = new Map<number, Entry>();
  const clients = new Set<ServerResponse>();
  let nextId = 1;
  let storedBytes = 0;
  let listenUrl = "";
  let allowedHosts = new Set<string>();

  function store(entry: Entry) {
    entries.set(entry.summary.id, entry);
    storedBytes += entry.capture.body.length;
    for (const [id, old] of entries) {
      if (entries.size <= maxEntries && storedBytes <= maxStoredBytes) break;
      entries.delete(id);
      storedBytes -= old.capture.body.length;
    }
    const message = sseMessage(entry.summary);
    for (const client of clients) client.write(message);
  }

  async function replay(entry: Entry, res: ServerResponse) {
    if (entry.capture.truncated === true) {
      return sendJson(res, 409, {
        error: "This request's body was refused before all of it arrived; it cannot be sent again.",
      });
    }
    const target = options.forwardTo ?? new URL(entry.capture.url, listenUrl);
    const result = await deliverCallback(target, await replayRequest(entry.capture));
    // The listener sees its own replays; a replay sent straight to the forward target gets its own row.
    if (options.forwardTo !== undefined) {
      store({ summary: summarize(nextId++, entry, target, result), capture: entry.capture });
    }
    sendJson(res, 200, {
      target: target.href,
      ok: result.ok,
      status: result.status ?? null,
      attempts: result.attempts,
    });
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://inspector");
    if (!allowedHosts.has(req.headers.host ?? "")) return sendText(res, 421, "taskhook inspector: wrong Host");
    if (req.method === "GET" && url.pathname === "/") return sendPage(res, "text/html", indexHtml);
    if (req.method === "GET" && url.pathname === "/app.js") return sendPage(res, "text/javascript", appJs);
    if (req.method === "GET" && url.pathname === "/app.css") return sendPage(res, "text/css", appCss);
    if (req.method === "GET" && url.pathname === "/favicon.svg") return sendPage(res, "image/svg+xml", favicon);
    if (req.method === "GET" && url.pathname === "/api/events") return openStream(req, res);
    const match = /^\/api\/entries\/(\d+)(?:\/(download|body|curl|replay))?$/.exec(url.pathname);
    const entry = match === null ? undefined : entries.get(Number(match[1]));
    if (match === null) return sendText(res, 404, "not found");
    if (entry === undefined)
      return sendJson(res, 404, { error: "This request is no longer kept (the oldest go first)." });
    const action = match[2];
    if (action === "replay") {
      if (req.method !== "POST" || req.headers["x-taskhook-inspector"] !== "1") {
        return sendJson(res, 403, { error: "Replay is a POST from the inspector page." });
      }
      return replay(entry, res);
    }
    if (req.method !== "GET") return sendText(res, 405, "method not allowed");
    if (action === undefined) return sendJson(res, 200, detailOf(entry));
    if (action === "curl") return sendText(res, 200, curlFor(entry, listenUrl, url.origin));
    if (action === "body") return sendBytes(res, entry, "application/octet-stream", entry.capture.body, ".body");
    return sendBytes(res, entry, "application/json", formatCapture(entry.capture), ".json");
  }

  function openStream(req: IncomingMessage, res: ServerResponse) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    const after = Number(req.headers["last-event-id"] ?? 0);
    res.write(`event: info\ndata: ${JSON.stringify({ listenUrl, forwardTo: options.forwardTo?.href ?? null })}\n\n`);
    for (const entry of entries.values()) if (entry.summary.id > after) res.write(sseMessage(entry.summary));
    clients.add(res);
    req.on("close", () => clients.delete(res));
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: (error as Error).message });
      else res.destroy();
    });
  });
  const port = await listen(server, options.port);
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const heartbeat = setInterval(() => {
    for (const client of clients) client.write(": keep-alive\n\n");
  }, heartbeatMs);
  heartbeat.unref();

  return {
    url: `http://127.0.0.1:${port}/`,
    setListenUrl(url) {
      listenUrl = url;
    },
    add(event) {
      store({ summary: summarize(nextId++, event), capture: event.capture });
    },
    close() {
      clearInterval(heartbeat);
      for (const client of clients) client.end();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === "EADDRINUSE"
          ? `the inspector's port ${port} is already in use; pick another with --ui-port (0 for any free one)`
          : `the inspector cannot listen on 127.0.0.1:${port} (${error.code ?? error.message})`;
      reject(new Error(reason));
    });
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function sseMessage(summary: Summary): string {
  return `id: ${summary.id}\ndata: ${JSON.stringify(summary)}\n\n`;
}

function sendPage(res: ServerResponse, type: string, text: string) {
  res.writeHead(200, { ...pageHeaders, "content-type": `${type}; charset=utf-8` }).end(text);
}

function sendJson(res: ServerResponse, status: number, value: unknown) {
  res
    .writeHead(status, { ...pageHeaders, "content-type": "application/json; charset=utf-8" })
    .end(JSON.stringify(value));
}

function sendText(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, { ...pageHeaders, "content-type": "text/plain; charset=utf-8" }).end(text);
}

function sendBytes(res: ServerResponse, entry: Entry, type: string, body: string | Uint8Array, extension: string) {
  const name = captureFileName(entry.capture, entry.summary.id).replace(/\.json$/, extension);
  res
    .writeHead(200, { ...pageHeaders, "content-type": type, "content-disposition": `attachment; filename="${name}"` })
    .end(body);
}
