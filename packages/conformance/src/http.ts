import { createServer, request as httpRequest, type IncomingHttpHeaders, type RequestListener } from "node:http";
import { type AddressInfo, connect } from "node:net";
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
  let responded = false;
  const answered = new Promise<SendResponse>((resolve, reject) => {
    // A server may answer before the body is all sent (a refusal from the headers) and close
    // the connection: the rest of the body then fails to write, which is not the answer.
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (!(responded && (error.code === "EPIPE" || error.code === "ECONNRESET"))) reject(error);
    });
    req.on("response", (res) => {
      responded = true;
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
    for (let offset = 0; offset < body.length && !responded && !req.destroyed; offset += size) {
      if (offset > 0) await setImmediate();
      req.write(body.subarray(offset, offset + size));
    }
  }
  if (!req.destroyed) req.end(chunked ? undefined : body);
  return answered;
}

/** The outcome of {@link uploadUntilAnswered}. */
export interface UploadResult extends SendResponse {
  /** Body bytes handed to the socket when the answer arrived (or the connection was reset). */
  bytesSentBeforeAnswer: number;
  /** The server reset the connection before any answer arrived (`status` is then 0). */
  resetBeforeAnswer?: boolean;
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
  // Keep-alive, as Beam's sender (python-requests) asks: Bun answers an upload it stops reading
  // on a `Connection: close` request by resetting the connection, with no answer at all.
  const headers: Record<string, string | number> = { connection: "keep-alive", ...options.headers };
  if (options.declareLength) headers["content-length"] = options.totalBytes;
  const req = httpRequest(url, { method: "POST", headers, agent: false });
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let sent = 0;
  let answered = false;
  return new Promise<UploadResult>((resolve, reject) => {
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (answered) return;
      if (error.code !== "ECONNRESET" && error.code !== "EPIPE") reject(error);
      else
        resolve({
          status: 0,
          headers: {},
          text: "",
          json: undefined,
          bytesSentBeforeAnswer: sent,
          resetBeforeAnswer: true,
        });
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

/** One request written byte for byte, for what a well-behaved HTTP client refuses to send. */
export interface RawRequest {
  /** Default `POST`. */
  method?: string;
  /**
   * Header lines in order, repeats allowed. A string value is written as UTF-8 (so `"\0"` is a
   * NUL byte and `"東"` three bytes); a `Uint8Array` value is written as it is.
   */
  headers: ReadonlyArray<readonly [string, string | Uint8Array]>;
  body?: Uint8Array | string;
  /** `Content-Length` to declare; default the body's length, `null` for none. */
  contentLength?: number | null;
}

/**
 * The bytes of one HTTP/1.1 request to `url`: request line, `Host`, the given header lines, a
 * `Content-Length` (unless told otherwise) and the body.
 */
export function rawRequest(url: string, request: RawRequest): Uint8Array {
  const { host, pathname, search } = new URL(url);
  const body = typeof request.body === "string" ? utf8(request.body) : (request.body ?? new Uint8Array(0));
  const declared = request.contentLength === undefined ? body.length : request.contentLength;
  const parts: Uint8Array[] = [utf8(`${request.method ?? "POST"} ${pathname}${search} HTTP/1.1\r\nHost: ${host}\r\n`)];
  for (const [name, value] of request.headers) {
    parts.push(utf8(`${name}: `), typeof value === "string" ? utf8(value) : value, utf8("\r\n"));
  }
  if (declared !== null) parts.push(utf8(`Content-Length: ${declared}\r\n`));
  parts.push(utf8("\r\n"), body);
  return Buffer.concat(parts);
}

/** How {@link sendRaw} writes and how long it waits. */
export interface RawOptions {
  /** Milliseconds between two parts; default 0. Writing stops once an answer starts. */
  gapMs?: number;
  /** Every part after the first waits for this, e.g. until another request was answered. */
  hold?: Promise<unknown>;
  /** Half-close the connection (FIN) after the last part; default false, it stays open. */
  end?: boolean;
  /** Stop waiting for the server to close after this many ms; default 5000. */
  waitMs?: number;
  /**
   * Read nothing until every part is written and flushed, as a client that sends its whole
   * body before looking at the answer: a server that resets the connection after an early
   * answer then destroys that answer unread.
   */
  readAfterWrite?: boolean;
  /**
   * Stop once this many complete answers arrived, without waiting for the close: workerd keeps
   * a connection open after answering a `Connection: close` request. Default: wait for the close.
   */
  stopAfterAnswers?: number;
  /**
   * Write each part only once every part before it was answered (a keep-alive client that does
   * not pipeline). Default false: parts go out without waiting for answers.
   */
  oneAtATime?: boolean;
}

/** What came back on one raw connection. */
export interface RawResult {
  /** Every complete response, in order: one per pipelined request the server answered. */
  responses: SendResponse[];
  /** True when the server closed the connection within `waitMs`. */
  closedByServer: boolean;
  /** Parts written before the first byte of an answer arrived (or all of them). */
  partsWritten: number;
}

/**
 * Opens a TCP connection to `url`'s host, writes `parts` (with `gapMs` between them, until an
 * answer starts), and collects every response until the server closes the connection or
 * `waitMs` passes. Requests that should be answered and closed send `Connection: close`.
 */
export function sendRaw(
  url: string,
  parts: ReadonlyArray<Uint8Array | string> | Uint8Array | string,
  options: RawOptions = {},
): Promise<RawResult> {
  const list = typeof parts === "string" || parts instanceof Uint8Array ? [parts] : parts;
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  const received: Buffer[] = [];
  let partsWritten = 0;
  let wake = () => {};
  // Answers counted so far, and the bytes after the last complete one (so counting stays linear).
  let answers = 0;
  let unparsed = Buffer.alloc(0);
  const countAnswers = () => {
    const { responses, end } = parseResponsesFrom(unparsed);
    answers += responses.length;
    unparsed = unparsed.subarray(end);
  };
  const answered = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        countAnswers();
        if (socket.destroyed || answers >= count) resolve();
        else wake = check;
      };
      check();
    });
  const stopWriting = () => socket.destroyed || (!options.oneAtATime && received.length > 0);
  return new Promise<RawResult>((resolve) => {
    const finish = (closedByServer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      wake();
      resolve({ responses: parseResponses(Buffer.concat(received)), closedByServer, partsWritten });
    };
    const timer = setTimeout(() => finish(false), options.waitMs ?? 5000);
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      if (options.oneAtATime) unparsed = Buffer.concat([unparsed, chunk]);
      wake();
      const enough = options.stopAfterAnswers;
      if (enough !== undefined && parseResponses(Buffer.concat(received)).length >= enough) finish(false);
    });
    // A reset after the answer (the server closing with unread bytes) still counts as closed.
    socket.on("error", () => finish(true));
    socket.on("close", () => finish(true));
    if (options.readAfterWrite) socket.pause();
    socket.once("connect", async () => {
      for (const part of list) {
        if (options.oneAtATime) await answered(partsWritten);
        if (stopWriting()) return;
        if (partsWritten > 0 && options.gapMs) await delay(options.gapMs);
        if (partsWritten > 0) await options.hold;
        if (stopWriting()) return;
        socket.write(typeof part === "string" ? utf8(part) : part);
        partsWritten++;
      }
      if (options.end && !socket.destroyed) socket.end();
      if (options.readAfterWrite) socket.write("", () => setTimeout(() => socket.resume(), 100));
    });
  });
}

/**
 * Sends many requests fast: they are spread over `connections` keep-alive connections and
 * pipelined, each connection's share written at once, the last one asking the server to
 * close. With `oneAtATime`, each connection writes a request only once the one before was
 * answered (for a runtime that closes pipelined connections). Resolves to every answer's
 * status, in the order the requests were given (0: none).
 */
export async function sendPipelined(
  url: string,
  requests: ReadonlyArray<{ headers: Record<string, string>; body?: Uint8Array | string }>,
  connections = 4,
  { oneAtATime = false }: { oneAtATime?: boolean } = {},
): Promise<number[]> {
  const shares = Array.from({ length: Math.min(connections, requests.length) }, (_, i) =>
    requests.filter((_, index) => index % connections === i),
  );
  const statuses = await Promise.all(
    shares.map(async (share) => {
      const bytes = share.map(({ headers, body }, index) => {
        const lines: Array<[string, string]> = Object.entries(headers);
        if (index === share.length - 1) lines.push(["Connection", "close"]);
        return rawRequest(url, { headers: lines, body: body ?? "" });
      });
      const parts = oneAtATime ? bytes : Buffer.concat(bytes);
      const { responses } = await sendRaw(url, parts, { waitMs: 60_000, oneAtATime });
      return responses.map((response) => response.status);
    }),
  );
  return requests.map((_, index) => statuses[index % connections]?.[Math.floor(index / connections)] ?? 0);
}

/** Splits what a server wrote into responses (Content-Length, chunked, or up to the close). */
function parseResponses(bytes: Buffer): SendResponse[] {
  return parseResponsesFrom(bytes).responses;
}

/** The complete responses in `bytes`, and where the last one ends. */
function parseResponsesFrom(bytes: Buffer): { responses: SendResponse[]; end: number } {
  const responses: SendResponse[] = [];
  let offset = 0;
  let end = 0;
  while (offset < bytes.length) {
    const headEnd = bytes.indexOf("\r\n\r\n", offset);
    if (headEnd === -1) break;
    const [statusLine = "", ...lines] = bytes.subarray(offset, headEnd).toString("latin1").split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
    const headers: IncomingHttpHeaders = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const previous = headers[name];
      headers[name] = previous === undefined ? value : `${previous}, ${value}`;
    }
    let body: Buffer;
    offset = headEnd + 4;
    if (/\bchunked\b/i.test(String(headers["transfer-encoding"] ?? ""))) {
      const chunks: Buffer[] = [];
      for (;;) {
        const lineEnd = bytes.indexOf("\r\n", offset);
        if (lineEnd === -1) return { responses, end };
        const size = Number.parseInt(bytes.subarray(offset, lineEnd).toString("latin1"), 16);
        if (!(size >= 0) || lineEnd + 2 + size + 2 > bytes.length) return { responses, end };
        chunks.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
        offset = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(chunks);
    } else if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"]);
      if (offset + length > bytes.length) return { responses, end };
      body = bytes.subarray(offset, offset + length);
      offset += length;
    } else {
      body = status === 204 || status === 304 || status < 200 ? Buffer.alloc(0) : bytes.subarray(offset);
      offset += body.length;
    }
    const text = body.toString("utf8");
    responses.push({ status, headers, text, json: parseJson(text) });
    end = offset;
  }
  return { responses, end };
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
