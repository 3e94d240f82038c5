import { TaskCallbackError } from "./errors.js";

/**
 * Default of `maxBodyBytesInFlight`: 64 MiB of request bodies read at once per processor (or
 * `maxBodyBytes`, when that is larger), so slow uploads cannot grow a receiver without bound.
 */
export const DEFAULT_MAX_BODY_BYTES_IN_FLIGHT = 64 * 1024 * 1024;

/** One request's share of a {@link BodyBudget}. */
export interface BodyLease {
  /** Counts `bytes` more of this body; throws `RECEIVER_BUSY` when the budget is spent. */
  take(bytes: number): void;
  /** Gives this body's bytes back; call it once reading ended, however it ended. */
  release(): void;
}

/** The body bytes one processor is reading at once, across requests. */
export interface BodyBudget {
  /**
   * Lets one more body be read, holding its declared `Content-Length` (within `maxBodyBytes`)
   * from the start, or throws `RECEIVER_BUSY` when that does not fit.
   */
  admit(contentLength: string | undefined, maxBodyBytes: number): BodyLease;
}

/**
 * A budget of `limit` bytes (`0`: none). A body is held at its declared length, or at what
 * arrived so far when it declares none, until its read ends: a request that would pass the
 * limit is answered 503 with `Retry-After`, which Beam retries.
 */
export function createBodyBudget(limit: number): BodyBudget {
  let used = 0;
  const busy = () =>
    new TaskCallbackError(
      "RECEIVER_BUSY",
      `More than maxBodyBytesInFlight (${limit} bytes) of request bodies are being read at once; retry shortly.`,
    );
  const unlimited: BodyLease = { take() {}, release() {} };

  return {
    admit(contentLength, maxBodyBytes) {
      if (limit === 0) return unlimited;
      const declared = contentLength === undefined ? Number.NaN : Number(contentLength);
      const reserved = declared >= 0 && declared <= maxBodyBytes ? declared : 0;
      if (used + Math.max(reserved, 1) > limit) throw busy();
      used += reserved;
      let held = reserved;
      let read = 0;
      return {
        take(bytes) {
          read += bytes;
          if (read <= held) return;
          used += read - held;
          held = read;
          if (used > limit) throw busy();
        },
        release() {
          used -= held;
          held = 0;
        },
      };
    },
  };
}
