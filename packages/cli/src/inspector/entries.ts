import type { DeliveryResult } from "@taskhook/core";
import { type Capture, headerValue, sendableHeaders } from "../capture.js";
import { curlCommand } from "../format.js";
import type { CallbackEvent, DiagnosisItem } from "../observe.js";

/** One row of the inspector's list, as the page receives it over SSE. */
export interface Summary {
  id: number;
  receivedAt: string;
  method: string;
  url: string;
  /** `accepted`, `duplicate`, an error code, or `replay` for a replay sent to the forward target. */
  verdict: string;
  httpStatus: number | null;
  message?: string;
  diagnosis?: DiagnosisItem[];
  /** From the verified callback, else from the (unverified) headers. */
  taskId?: string;
  taskStatus?: string;
  timestamp?: number;
  /** Seconds between X-Task-Timestamp and arrival. */
  ageSeconds?: number;
  size: number;
  truncated?: boolean;
  forward?: { status?: number; error?: string; body?: string; duplicate?: boolean };
  /** For a replay: the entry it replays and where it went. */
  replayOf?: number;
  target?: string;
}

export interface Entry {
  summary: Summary;
  capture: Capture;
}

// The page shows this much of a body as text; the download always has all of it.
const shownBodyBytes = 256 * 1024;
const treeBudget = { nodes: 3000, children: 200, chars: 4000 };

/** The summary of a request `listen` answered, or of a replay sent to the forward target. */
export function summarize(id: number, from: CallbackEvent | Entry, target?: URL, result?: DeliveryResult): Summary {
  const { capture } = from;
  const event = "verdict" in from ? from : undefined;
  const summary: Summary = {
    id,
    receivedAt: new Date().toISOString(),
    method: capture.method,
    url: capture.url,
    verdict: event?.verdict ?? "replay",
    httpStatus: event?.httpStatus ?? result?.status ?? null,
    size: capture.body.length,
  };
  if (event !== undefined) summary.receivedAt = capture.receivedAt.toISOString();
  const taskId = event?.taskId ?? headerValue(capture.headers, "x-task-id");
  const taskStatus = event?.taskStatus ?? headerValue(capture.headers, "x-task-status");
  const timestamp = event?.timestamp ?? Number(headerValue(capture.headers, "x-task-timestamp"));
  if (taskId !== undefined) summary.taskId = taskId;
  if (taskStatus !== undefined) summary.taskStatus = taskStatus;
  if (Number.isSafeInteger(timestamp) && timestamp > 0) {
    summary.timestamp = timestamp;
    summary.ageSeconds = Math.floor(Date.parse(summary.receivedAt) / 1000) - timestamp;
  }
  if (capture.truncated === true) summary.truncated = true;
  if (event?.message !== undefined) summary.message = event.message;
  if (event?.diagnosis !== undefined) summary.diagnosis = event.diagnosis;
  const forward = event?.forward ?? (result === undefined ? undefined : answerOf(result));
  if (forward !== undefined) summary.forward = { ...forward, duplicate: saysDuplicate(forward.body) };
  if (event === undefined) {
    summary.replayOf = (from as Entry).summary.id;
    if (target !== undefined) summary.target = target.href;
  }
  return summary;
}

/** What the page shows for a selected entry: headers, the start of the body, the data as a tree. */
export function detailOf(entry: Entry) {
  const { body } = entry.capture;
  const shown = body.subarray(0, shownBodyBytes);
  return {
    summary: entry.summary,
    headers: entry.capture.headers,
    bodyText: Buffer.from(shown.buffer, shown.byteOffset, shown.byteLength).toString("utf8"),
    bodyShownBytes: shown.length,
    data: dataTree(body),
  };
}

/** `curl` for sending the entry again exactly as received, to the listener. */
export function curlFor(entry: Entry, listenUrl: string, inspectorOrigin: string): string {
  const { capture } = entry;
  const target = new URL(capture.url, listenUrl).href;
  const headers = sendableHeaders(capture);
  const text = Buffer.from(capture.body).toString("utf8");
  const printable =
    capture.body.length <= 64 * 1024 && Buffer.from(text, "utf8").equals(capture.body) && !text.includes("\0");
  if (printable) return curlCommand(target, headers, text);
  const file = `taskhook-body-${entry.summary.id}.bin`;
  return [
    `curl -sS -o ${file} ${inspectorOrigin}/api/entries/${entry.summary.id}/body`,
    curlCommand(target, headers, "").replace(/ --data-binary ''$/, ` --data-binary @${file}`),
  ].join(" && ");
}

/**
 * The body's JSON (its `data` field when it has one) as a tree the page renders without
 * parsing anything itself: `["o", [[key, node]...], hidden]`, `["a", [node...], hidden]`,
 * `["s", text, hiddenChars]` or `["v", json text]`. Big values are cut, so a 16 MiB body
 * still renders at once; `null` when the body is not JSON.
 */
export function dataTree(body: Uint8Array): { root: unknown; field: string | null; cut: boolean } | null {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    return null;
  }
  const hasData = typeof value === "object" && value !== null && !Array.isArray(value) && "data" in value;
  const budget = { ...treeBudget, cut: false };
  const root = prune(hasData ? (value as { data: unknown }).data : value, budget);
  return { root, field: hasData ? "data" : null, cut: budget.cut };
}

function prune(value: unknown, budget: typeof treeBudget & { cut: boolean }): unknown {
  budget.nodes--;
  if (typeof value === "string") {
    const hidden = Math.max(0, value.length - budget.chars);
    if (hidden > 0) budget.cut = true;
    return ["s", value.slice(0, budget.chars), hidden];
  }
  if (typeof value !== "object" || value === null) return ["v", JSON.stringify(value)];
  const items: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value);
  const kept: unknown[] = [];
  for (const [key, item] of items) {
    if (kept.length >= budget.children || budget.nodes <= 0) break;
    const node = prune(item, budget);
    kept.push(Array.isArray(value) ? node : [key, node]);
  }
  if (kept.length < items.length) budget.cut = true;
  return [Array.isArray(value) ? "a" : "o", kept, items.length - kept.length];
}

function answerOf(result: DeliveryResult): NonNullable<Summary["forward"]> {
  const last = result.attempts.at(-1);
  const answer: NonNullable<Summary["forward"]> = {};
  if (last?.status !== undefined) answer.status = last.status;
  if (last?.error !== undefined) answer.error = last.error;
  if (last?.body !== undefined && last.body !== "") answer.body = last.body;
  return answer;
}

// taskhook receivers answer a duplicate with {"received":true,"duplicate":true}.
function saysDuplicate(body: string | undefined): boolean {
  try {
    return (JSON.parse(body ?? "") as { duplicate?: unknown }).duplicate === true;
  } catch {
    return false;
  }
}
