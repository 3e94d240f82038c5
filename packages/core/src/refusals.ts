import { headerNames } from "./beam.js";
import { type Diagnosis, diagnoseRefusal, isDiagnosable } from "./diagnose.js";
import { isTaskCallbackError, TaskCallbackError, type TaskCallbackErrorCode } from "./errors.js";
import { type HeadersInput, readHeader } from "./headers.js";

/** What taskhook knows about a refused callback; nothing in it is secret or signed. */
export interface RejectionInfo {
  /** The refusal's stable code, as in the answer. */
  code: TaskCallbackErrorCode;
  /** The HTTP status answered. */
  status: number;
  /** `X-Task-ID` as sent (not verified), when it has a task id's shape. */
  taskId?: string;
  /** `X-Task-Status` as sent (not verified), when it has a status's shape. */
  taskStatus?: string;
  /** Size of the body read, in bytes, when it was read. */
  bodyBytes?: number;
  /** Seconds between `X-Task-Timestamp` and this server's clock, when it is a number. */
  ageSeconds?: number;
  /** Why, when a diagnosis was computed (signature and timestamp refusals, at most one per second). */
  diagnosis?: Diagnosis;
  /** True when a diagnosis was due but skipped by the one-per-second limit. */
  diagnosisSkipped?: boolean;
}

/** Told about every refused callback; see {@link RejectionInfo}. */
export type RejectionListener = (error: TaskCallbackError, info: RejectionInfo) => void;

/** Diagnoses are expensive next to a refusal (up to 10 HMACs): one per second per processor. */
const DIAGNOSIS_INTERVAL_MS = 1000;
/** The default log prints one line per minute at most and counts the rest. */
const LOG_INTERVAL_MS = 60_000;

const taskIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const statusPattern = /^[A-Z][A-Z_]{0,31}$/;

interface ReporterOptions {
  secret: string | readonly string[];
  toleranceSeconds: number;
  now: () => number;
  onRejected?: RejectionListener | undefined;
  onError: (error: unknown) => void;
}

/**
 * The processor's side of refusals: builds the info, diagnoses within the rate limit and
 * calls the listener (by default a rate-limited `console.warn`). Never throws.
 */
export function createRefusalReporter(options: ReporterOptions) {
  const { now, onError } = options;
  const listener = options.onRejected ?? createRefusalLog({ now });
  let lastDiagnosis = Number.NEGATIVE_INFINITY;
  let running = false;

  // One a second, and never two at once: a diagnosis of a large body can outlast the second.
  async function diagnose(code: string, headers: HeadersInput, body: Uint8Array | ArrayBuffer | string) {
    // A malformed header is explained without any HMAC: no limit needed.
    if (code === "INVALID_HEADER") return diagnoseRefusal({ headers, body }, code, options);
    const at = now();
    if (running || (at - lastDiagnosis < DIAGNOSIS_INTERVAL_MS && at >= lastDiagnosis)) return undefined;
    lastDiagnosis = at;
    running = true;
    try {
      return await diagnoseRefusal({ headers, body }, code, options);
    } finally {
      running = false;
    }
  }

  return async function report(
    error: unknown,
    status: number,
    headers: HeadersInput | undefined,
    body: Uint8Array | ArrayBuffer | string | undefined,
  ): Promise<void> {
    try {
      const refusal = isTaskCallbackError(error)
        ? error
        : new TaskCallbackError("INTERNAL_ERROR", "taskhook failed to process the callback.", { cause: error });
      const info = describeRequest(refusal.code, status, headers, body, now);
      if (headers !== undefined && body !== undefined && isDiagnosable(refusal.code)) {
        const diagnosis = await diagnose(refusal.code, headers, body);
        if (diagnosis === undefined) info.diagnosisSkipped = true;
        else if (diagnosis.length > 0) info.diagnosis = diagnosis;
      }
      listener(refusal, info);
    } catch (failure) {
      onError(failure);
    }
  };
}

function describeRequest(
  code: TaskCallbackErrorCode,
  status: number,
  headers: HeadersInput | undefined,
  body: Uint8Array | ArrayBuffer | string | undefined,
  now: () => number,
): RejectionInfo {
  const info: RejectionInfo = { code, status };
  if (headers !== undefined) {
    const taskId = readHeader(headers, headerNames.id);
    if (taskId !== undefined && taskIdPattern.test(taskId)) info.taskId = taskId;
    const taskStatus = readHeader(headers, headerNames.status);
    if (taskStatus !== undefined && statusPattern.test(taskStatus)) info.taskStatus = taskStatus;
    const timestamp = readHeader(headers, headerNames.timestamp);
    if (timestamp !== undefined && /^\d{1,12}$/.test(timestamp)) {
      info.ageSeconds = Math.floor(now() / 1000) - Number(timestamp);
    }
  }
  if (body !== undefined)
    info.bodyBytes = typeof body === "string" ? new TextEncoder().encode(body).length : body.byteLength;
  return info;
}

/**
 * The default `onRejected`: one `console.warn` line for a refusal, then at most one line a
 * minute, which counts the refusals it did not show, by code and reason.
 *
 * @example
 * ```ts
 * // What an operator sees when a proxy re-writes every callback's JSON:
 * // taskhook: refused a callback: 401 INVALID_SIGNATURE, task 3f0c..., COMPLETE, 412 bytes, signed 1 s ago. BODY_RESERIALIZED: ...
 * // taskhook: refused 37 callbacks in the last 61 s: 37 INVALID_SIGNATURE (BODY_RESERIALIZED). Latest: ...
 * ```
 */
export function createRefusalLog(
  options: { now?: () => number; write?: (line: string) => void; intervalMs?: number } = {},
): RejectionListener {
  const now = options.now ?? Date.now;
  const write = options.write ?? ((line: string) => console.warn(line));
  const intervalMs = options.intervalMs ?? LOG_INTERVAL_MS;
  let shownAt = Number.NEGATIVE_INFINITY;
  // Per code: how many were not shown, and every reason diagnosed among them.
  let unshown = new Map<string, { count: number; reasons: Set<string> }>();
  const count = (error: TaskCallbackError, info: RejectionInfo) => {
    const group = unshown.get(error.code) ?? { count: 0, reasons: new Set<string>() };
    group.count++;
    for (const entry of info.diagnosis ?? []) group.reasons.add(entry.reason);
    unshown.set(error.code, group);
  };

  return (error, info) => {
    const at = now();
    if (at - shownAt < intervalMs && at >= shownAt) {
      count(error, info);
      return;
    }
    const latest = describeRefusal(error, info);
    if (unshown.size === 0) {
      write(`taskhook: refused a callback: ${latest}`);
    } else {
      count(error, info);
      let total = 0;
      const groups = [...unshown].map(([code, group]) => {
        total += group.count;
        return group.reasons.size === 0
          ? `${group.count} ${code}`
          : `${group.count} ${code} (${[...group.reasons].join(", ")})`;
      });
      const seconds = Math.round((at - shownAt) / 1000);
      write(`taskhook: refused ${total} callbacks in the last ${seconds} s: ${groups.join(", ")}. Latest: ${latest}`);
    }
    shownAt = at;
    unshown = new Map();
  };
}

/** One line about one refusal: status, code, what the request said, and the diagnosis. */
export function describeRefusal(error: TaskCallbackError, info: RejectionInfo): string {
  const parts = [`${info.status} ${error.code}`];
  if (info.taskId !== undefined) parts.push(`task ${info.taskId}`);
  if (info.taskStatus !== undefined) parts.push(info.taskStatus);
  if (info.bodyBytes !== undefined) parts.push(`${info.bodyBytes} bytes`);
  if (info.ageSeconds !== undefined) {
    parts.push(info.ageSeconds >= 0 ? `signed ${info.ageSeconds} s ago` : `dated ${-info.ageSeconds} s ahead`);
  }
  const why =
    info.diagnosis === undefined
      ? error.message
      : info.diagnosis.map(({ reason, message }) => `${reason}: ${message}`).join(" ");
  return `${parts.join(", ")}. ${why}`;
}
