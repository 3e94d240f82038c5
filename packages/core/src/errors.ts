/**
 * Every way a callback can be refused, mapped to the HTTP status an adapter answers with.
 * This table is the only place statuses come from: adapters copy it, never decide.
 *
 * 4xx codes are final for Beam (it never retries them); 5xx codes make Beam resend the same
 * signed request, which is what we want when the fault is ours and may pass.
 */
export const errorStatus = {
  MISSING_HEADER: 400,
  INVALID_HEADER: 400,
  INVALID_SIGNATURE: 401,
  TIMESTAMP_EXPIRED: 401,
  TIMESTAMP_IN_FUTURE: 401,
  UNSIGNED_CALLBACK: 401,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_ENCODING: 415,
  INVALID_BODY: 400,
  BODY_ALREADY_PARSED: 500,
  HANDLER_FAILED: 500,
  INTERNAL_ERROR: 500,
  DUPLICATE_IN_FLIGHT: 503,
  STORE_UNAVAILABLE: 503,
  RECEIVER_BUSY: 503,
} as const satisfies Record<string, number>;

/** A stable, documented reason a callback was refused. */
export type TaskCallbackErrorCode = keyof typeof errorStatus;

/** The JSON body every adapter answers an error with. */
export interface ErrorBody {
  error: { code: TaskCallbackErrorCode; message: string };
}

/**
 * The one error taskhook throws. Check it with {@link isTaskCallbackError} (which looks at
 * `code`), not `instanceof`: bundlers may load two copies of this class.
 *
 * @example
 * ```ts
 * try {
 *   await verifier.verify({ headers, body });
 * } catch (error) {
 *   if (isTaskCallbackError(error)) return new Response(null, { status: error.status });
 *   throw error;
 * }
 * ```
 */
export class TaskCallbackError extends Error {
  override readonly name = "TaskCallbackError" as const;
  /** Stable machine-readable reason; see {@link errorStatus}. */
  readonly code: TaskCallbackErrorCode;
  /** The HTTP status to answer with, from {@link errorStatus}. */
  readonly status: number;

  constructor(code: TaskCallbackErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = errorStatus[code];
  }

  /** The `{"error": {"code", "message"}}` body adapters send. */
  toJSON(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

/**
 * True when `value` is a {@link TaskCallbackError}, from this copy of the library or another.
 *
 * @example
 * ```ts
 * if (isTaskCallbackError(error) && error.code === "TIMESTAMP_EXPIRED") metrics.stale++;
 * ```
 */
export function isTaskCallbackError(value: unknown): value is TaskCallbackError {
  if (typeof value !== "object" || value === null) return false;
  const { name, code } = value as { name?: unknown; code?: unknown };
  return name === "TaskCallbackError" && typeof code === "string" && Object.hasOwn(errorStatus, code);
}
