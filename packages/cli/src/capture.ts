import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * One received request, exactly as it arrived: what `listen --record` writes, what the
 * inspector downloads, and what `replay` (and `verify`) read.
 *
 * On disk it is one UTF-8 JSON file (format version 1):
 *
 * ```json
 * {
 *   "taskhook": "callback",
 *   "version": 1,
 *   "receivedAt": "2026-11-29T15:43:01.123Z",
 *   "method": "POST",
 *   "url": "/beam",
 *   "headers": [["Host", "127.0.0.1:4000"], ["X-Task-ID", "..."]],
 *   "bodyBase64": "eyJkYXRhIjogMX0="
 * }
 * ```
 *
 * - `headers` keeps the sender's names, spelling and order, repeated names included.
 * - `bodyBase64` is the raw body, byte for byte (standard base64 with padding), so a body that
 *   is not valid UTF-8 or JSON survives; never re-serialize it.
 * - `url` is the request target as sent (path and query).
 * - `"truncated": true` (only present when true) marks a body refused before all of it arrived
 *   (too large, too slow): `bodyBase64` then holds what did arrive, and replaying it is refused.
 * - Readers ignore fields they do not know; a change that breaks readers bumps `version`.
 */
export interface Capture {
  receivedAt: Date;
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body: Uint8Array;
  /** True when the body was refused before all of it arrived: `body` is its start. */
  truncated?: boolean;
}

/** The version {@link writeCapture} writes and {@link readCapture} reads. */
export const captureVersion = 1;

/** The file's JSON text for a capture. */
export function formatCapture(capture: Capture): string {
  return `${JSON.stringify(
    {
      taskhook: "callback",
      version: captureVersion,
      receivedAt: capture.receivedAt.toISOString(),
      method: capture.method,
      url: capture.url,
      headers: capture.headers,
      bodyBase64: Buffer.from(capture.body.buffer, capture.body.byteOffset, capture.body.byteLength).toString("base64"),
      ...(capture.truncated === true ? { truncated: true } : {}),
    },
    null,
    2,
  )}\n`;
}

/** Parses a capture file's text; `source` names it in errors. */
export function parseCapture(text: string, source: string): Capture {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CaptureError(`${source} is not a taskhook capture: invalid JSON (${(error as Error).message})`);
  }
  const fail = (what: string) => new CaptureError(`${source} is not a taskhook capture file: ${what}`);
  if (typeof value !== "object" || value === null || (value as { taskhook?: unknown }).taskhook !== "callback") {
    throw fail(`expected an object with "taskhook": "callback", as written by taskhook listen --record`);
  }
  const file = value as Record<string, unknown>;
  if (file.version !== captureVersion) {
    throw fail(`version ${String(file.version)} is not supported (this taskhook reads version ${captureVersion})`);
  }
  const receivedAt = new Date(typeof file.receivedAt === "string" ? file.receivedAt : Number.NaN);
  if (Number.isNaN(receivedAt.getTime())) throw fail(`"receivedAt" must be an ISO date`);
  if (typeof file.method !== "string" || file.method === "") throw fail(`"method" must be a string`);
  if (typeof file.url !== "string") throw fail(`"url" must be a string`);
  const headers = file.headers;
  if (!Array.isArray(headers) || !headers.every(isHeaderPair)) {
    throw fail(`"headers" must be a list of [name, value] string pairs`);
  }
  const base64 = file.bodyBase64;
  if (typeof base64 !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
    throw fail(`"bodyBase64" must be standard base64`);
  }
  const capture: Capture = {
    receivedAt,
    method: file.method,
    url: file.url,
    headers,
    body: new Uint8Array(Buffer.from(base64, "base64")),
  };
  if (file.truncated === true) capture.truncated = true;
  return capture;
}

/** Reads one capture file; a missing or malformed file throws a {@link CaptureError} naming it. */
export async function readCapture(path: string): Promise<Capture> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code;
    throw new CaptureError(`cannot read ${path} (${reason ?? (error as Error).message})`);
  }
  return parseCapture(text, path);
}

/**
 * Writes a capture into `dir` (created if missing) and returns the file's path. Names sort by
 * arrival: `20261129T154301123Z-000001-<task id>.json`, the sequence number breaking ties
 * within a millisecond. The file appears whole (written aside, then renamed).
 */
export async function writeCapture(dir: string, capture: Capture, sequence: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, captureFileName(capture, sequence));
  const partial = `${path}.${randomBytes(4).toString("hex")}.partial`;
  await writeFile(partial, formatCapture(capture), { flag: "wx" });
  await rename(partial, path);
  return path;
}

/** The name {@link writeCapture} gives a capture: sortable time, sequence, task id. */
export function captureFileName(capture: Capture, sequence: number): string {
  const time = capture.receivedAt.toISOString().replace(/[-:.]/g, "");
  // The task id is chosen by whoever sent the request: keep only characters safe in a file name.
  const taskId = (headerValue(capture.headers, "x-task-id") ?? "")
    .replace(/[^A-Za-z0-9_-]+/g, "_")
    .slice(0, 64)
    .replace(/^_+|_+$/g, "");
  return `${time}-${String(sequence).padStart(6, "0")}-${taskId === "" ? "no-task-id" : taskId}.json`;
}

/** The first value of a header, by case-insensitive name. */
export function headerValue(headers: Array<[string, string]>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([key]) => key.toLowerCase() === lower)?.[1];
}

/** Node's `rawHeaders` (`[name, value, name, value, ...]`) as pairs. */
export function headerPairs(rawHeaders: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i] as string, rawHeaders[i + 1] as string]);
  return pairs;
}

// Headers that describe the recorded connection, not the callback: a new request sets its own.
const connectionHeaders = new Set([
  "host",
  "content-length",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "expect",
]);

/** A capture's headers without the connection ones (`Host`, `Content-Length`, ...): what to send again. */
export function sendableHeaders(capture: Capture): Array<[string, string]> {
  return capture.headers.filter(([name]) => !connectionHeaders.has(name.toLowerCase()));
}

/** A capture file that cannot be read or is not in the format above. */
export class CaptureError extends Error {
  override readonly name = "CaptureError";
}

function isHeaderPair(pair: unknown): pair is [string, string] {
  return Array.isArray(pair) && pair.length === 2 && typeof pair[0] === "string" && typeof pair[1] === "string";
}
