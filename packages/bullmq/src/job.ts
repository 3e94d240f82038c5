import { createHash } from "node:crypto";
import type { TaskCallback } from "@taskhook/core";
import { beamSender, DEFAULT_TOLERANCE_SECONDS, headerNames } from "@taskhook/core/adapter";

/** What a callback job stores: the request as received, so the worker can verify it again. */
export interface CallbackJobData {
  /** The `X-Task-*` headers as Beam names them, and `content-type`. */
  headers: Record<string, string>;
  /** The raw body: UTF-8 text when that round-trips to the same bytes, else base64. */
  body: string;
  bodyEncoding: "utf8" | "base64";
}

/**
 * The BullMQ job id of a callback: its duplicate key (task id, status, signature), hashed.
 * A Beam retry, a replay or a second receiver computes the same id, so BullMQ keeps one job.
 * Hashing keeps the id free of `:` (BullMQ refuses it; task ids may contain it), never an
 * integer (also refused), and fixed in length.
 *
 * @example
 * ```ts
 * const job = await queue.getJob(callbackJobId(callback.taskId, callback.status, callback.signature));
 * ```
 */
export function callbackJobId(taskId: string, status: string, signature: string): string {
  const digest = createHash("sha256").update(JSON.stringify([taskId, status, signature.toLowerCase()]));
  return `beam-${digest.digest("hex")}`;
}

/**
 * Seconds a completed job (and so its id) must be kept so that a duplicate still inside the
 * timestamp window finds it: twice the tolerance (clock skew both ways) plus Beam's retry window.
 */
export function minimumKeepSeconds(toleranceSeconds = DEFAULT_TOLERANCE_SECONDS): number {
  return 2 * toleranceSeconds + beamSender.retryWindowSeconds;
}

/** The job data for a verified callback. */
export function toJobData(callback: TaskCallback): CallbackJobData {
  const bytes = Buffer.from(callback.body.buffer, callback.body.byteOffset, callback.body.byteLength);
  const text = bytes.toString("utf8");
  const utf8 = Buffer.byteLength(text) === bytes.length && Buffer.from(text, "utf8").equals(bytes);
  return {
    headers: {
      [headerNames.id]: callback.taskId,
      [headerNames.status]: callback.status,
      [headerNames.timestamp]: String(callback.timestamp),
      [headerNames.signature]: callback.signature,
      // The verifier reads a body that is JSON as JSON whatever Content-Type says; any other
      // body it accepted was a form. Beam's runner only sends JSON objects.
      "content-type": firstByte(bytes) === 0x7b ? "application/json" : "application/x-www-form-urlencoded",
    },
    body: utf8 ? text : bytes.toString("base64"),
    bodyEncoding: utf8 ? "utf8" : "base64",
  };
}

/** The raw body bytes of a job, exactly as received. */
export function jobBody(data: CallbackJobData): Uint8Array {
  return Buffer.from(data.body, data.bodyEncoding === "base64" ? "base64" : "utf8");
}

function firstByte(bytes: Uint8Array): number | undefined {
  for (const byte of bytes) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return byte;
  return undefined;
}
