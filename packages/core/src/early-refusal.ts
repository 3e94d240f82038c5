import { type BodySource, cancelBody, readBody } from "./body.js";
import { isDiagnosable } from "./diagnose.js";
import { isTaskCallbackError } from "./errors.js";

/** Largest body a refusal made from the headers alone still reads, to diagnose it. */
export const DIAGNOSIS_BODY_BYTES = 64 * 1024;

/**
 * What happens to the body of a request refused from its headers. It is let go (a Web stream
 * cancelled; a Node stream drained by the adapter after the answer), except that a refusal a
 * diagnosis can explain (a stale or badly signed callback) still reads a small body, one
 * request at a time per processor: a callback of at most {@link DIAGNOSIS_BODY_BYTES},
 * declared by `Content-Length`, whose diagnosis (`onRejected`) needs its bytes. The memory
 * this holds is one small body, whatever the number of clients.
 */
export function createEarlyRefusals(timeoutMs: number) {
  let reading = false;
  return async function settle(
    error: unknown,
    body: BodySource | null | undefined,
    contentLength: string | undefined,
  ): Promise<Uint8Array | undefined> {
    const declared = contentLength === undefined ? Number.NaN : Number(contentLength);
    const small = declared >= 0 && declared <= DIAGNOSIS_BODY_BYTES;
    if (reading || !small || !isTaskCallbackError(error) || !isDiagnosable(error.code)) {
      await cancelBody(body);
      return undefined;
    }
    reading = true;
    try {
      return await readBody(body, { maxBodyBytes: DIAGNOSIS_BODY_BYTES, contentLength, timeoutMs });
    } catch {
      return undefined;
    } finally {
      reading = false;
    }
  };
}
