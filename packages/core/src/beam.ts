/**
 * What Beam's callback sender does, in one place: when Beam changes one of these, only this
 * file changes. Core's verifier, reader and `sendCallback`, the CLI and the tests read them
 * from here. The CLI and adapters get them from `@taskhook/core/adapter`.
 */

/** The four headers Beam sends, as it writes them. */
export const headerNames = {
  id: "X-Task-ID",
  status: "X-Task-Status",
  timestamp: "X-Task-Timestamp",
  signature: "X-Task-Signature",
} as const;

/** Beam's task statuses. Callbacks carry `COMPLETE`, `ERROR`, `CANCELLED` or `TIMEOUT`. */
export const taskStatuses = [
  "PENDING",
  "RUNNING",
  "COMPLETE",
  "ERROR",
  "CANCELLED",
  "EXPIRED",
  "TIMEOUT",
  "RETRY",
] as const;

/** The statuses of a task that ended without a result. */
export const failureStatuses = ["ERROR", "CANCELLED", "EXPIRED", "TIMEOUT"] as const;

/**
 * The formats Beam's values take. A task id is a UUID in practice; any id of this shape is
 * accepted. A status is an upper-case word, so a status Beam adds later still passes.
 */
export const beamFormats = {
  taskId: /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
  status: /^[A-Z][A-Z_]{0,31}$/,
  timestamp: /^(?:0|[1-9][0-9]{0,11})$/,
} as const;

/** How Beam's sender delivers: its retries and its timeouts. */
export const beamSender = {
  /** Waits before the 2nd and the 3rd attempt: three attempts in all. */
  retryDelaysMs: [500, 1000] as readonly number[],
  /** Statuses retried besides every 5xx (and network errors); any other status is final. */
  retriedStatuses: [408, 425, 429] as readonly number[],
  /** Each attempt's connect timeout. */
  connectTimeoutMs: 10_000,
  /** Each attempt's read timeout: an answer later than this is lost, and never retried. */
  readTimeoutMs: 30_000,
  /** How long after signing the last attempt can leave, slow 5xx answers included. */
  retryWindowSeconds: 60,
  /** The longest body Beam signs and sends (its gRPC message cap). */
  maxBodyBytes: 16 * 1024 * 1024,
  /** When signing fails, the runner still POSTs, with these two headers: it can never verify. */
  unsigned: { signature: "", timestamp: "0" },
  /** Redirects Beam follows by turning the POST into a GET without a body, `X-Task-*` headers kept. */
  redirectsToGet: [301, 302, 303] as readonly number[],
} as const;

/**
 * True for a status Beam's sender answers with another attempt: 408, 425, 429 and every 5xx.
 *
 * @example
 * ```ts
 * if (isRetriedStatus(response.status)) console.log("Beam would try again");
 * ```
 */
export function isRetriedStatus(status: number): boolean {
  return beamSender.retriedStatuses.includes(status) || (status >= 500 && status <= 599);
}
