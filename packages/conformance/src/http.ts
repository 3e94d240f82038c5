import { createServer, request as httpRequest, type IncomingHttpHeaders, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { setImmediate } from "node:timers/promises";

/** A request the suite sends. */
export interface SendRequest {
  /** Default `POST`. */
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** `length` sends `Content-Length`; `chunked` sends the body in small chunks without it. */
  transfer?: "length" | "chunked";
  /** Chunk size in bytes for `chunked`; default: the body in about eight pieces. */
  chunkBytes?: number;
}

/** What came back. */
export interface SendResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  json: unknown;
}

/** Sends one request on a fresh connection and reads the whole answer. */
export async function send(url: string, request: SendRequest = {}): Promise<SendResponse> {
  const body = typeof request.body === "string" ? new TextEncoder().encode(request.body) : request.body;
  const headers: Record<string, string | number> = { ...request.headers };
  const chunked = request.transfer === "chunked";
  if (body !== undefined && !chunked) headers["content-length"] = body.length;
  const req = httpRequest(url, { method: request.method ?? "POST", headers, agent: false });
  const answered = new Promise<SendResponse>((resolve, reject) => {
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text) });
      });
    });
  });
  if (body !== undefined && chunked) {
    const size = request.chunkBytes ?? Math.max(1, Math.ceil(body.length / 8));
    for (let offset = 0; offset < body.length; offset += size) {
      req.write(body.subarray(offset, offset + size));
      await setImmediate();
    }
  }
  req.end(chunked ? undefined : body);
  return answered;
}

/** The outcome of {@link uploadUntilAnswered}. */
export interface UploadResult extends SendResponse {
  /** Body bytes handed to the socket when the answer arrived. */
  bytesSentBeforeAnswer: number;
}

/**
 * Streams `totalBytes` of body as fast as the server takes them and stops as soon as an answer
 * arrives, so a server that answers before reading everything is told apart from one that reads
 * (or buffers) the whole upload first.
 */
export function uploadUntilAnswered(
  url: string,
  options: { headers: Record<string, string>; totalBytes: number; declareLength: boolean },
): Promise<UploadResult> {
  const headers: Record<string, string | number> = { ...options.headers };
  if (options.declareLength) headers["content-length"] = options.totalBytes;
  const req = httpRequest(url, { method: "POST", headers, agent: false });
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let sent = 0;
  let answered = false;
  return new Promise<UploadResult>((resolve, reject) => {
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    req.on("response", (res) => {
      answered = true;
      const bytesSentBeforeAnswer = sent;
      const chunks: Buffer[] = [];
      res.on("data", (data: Buffer) => chunks.push(data));
      res.on("error", reject);
      res.on("end", () => {
        req.destroy();
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: parseJson(text),
          bytesSentBeforeAnswer,
        });
      });
    });
    const pump = () => {
      while (!answered && sent < options.totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

/** A server the suite can reach, and how to stop it. */
export interface RunningServer {
  /** The full callback URL, e.g. `http://127.0.0.1:41234/beam`. */
  url: string;
  close(): Promise<void> | void;
}

/**
 * Starts a `node:http` server for `listener` on 127.0.0.1 with a free port, for adapters whose
 * framework hands out a Node request listener (Express, Koa, `@hono/node-server`...).
 *
 * @example
 * ```ts
 * start: (options) => startHttpServer(express().post("/beam", taskCallback(options)), "/beam"),
 * ```
 */
export async function startHttpServer(listener: RequestListener, path = "/"): Promise<RunningServer> {
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
