import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";

export const SECRET = "sk_bench_0123456789abcdef0123456789abcdef";
export const TIMESTAMP = 1_764_230_400;
export const TASK_ID = "5b4a2a8e-6f0e-4c55-9d3c-2f1f8f3b9c11";

export const KiB = 1024;
export const MiB = 1024 * KiB;

/**
 * A callback body of exactly `size` bytes, shaped like what large Beam results carry and
 * serialized as Python's json.dumps does: an embedding (numbers, 1/8 of the bytes), a caption
 * (text with \u escapes, 1/8) and an image (base64, the rest). Large callbacks are mostly
 * such blobs; this keeps JSON.parse from hiding the cost of verification. Deterministic, so
 * every run and every child process measures the same bytes.
 */
export function makeBody(size) {
  let seed = 0x9e3779b9;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const share = Math.max(0, Math.floor((size - 160) / 8));
  const numbers = [];
  for (let length = 0; length < share; ) {
    const n = (random() * 2 - 1).toFixed(6);
    numbers.push(n);
    length += n.length + 2;
  }
  const words = ["task", "caf\\u00e9", "result", "beam", "image", "vector", "na\\u00efve", "callback"];
  const text = [];
  for (let length = 0; length < share; ) {
    const w = words[Math.floor(random() * words.length)];
    text.push(w);
    length += w.length + 1;
  }
  const head = `{"data": {"task": "${TASK_ID}", "embedding": [${numbers.join(", ")}], "caption": "${text.join(" ")}", "image": "`;
  const tail = '"}}';
  const imageLength = size - Buffer.byteLength(head) - tail.length;
  if (imageLength < 0) throw new Error(`makeBody: ${size} bytes is too small`);
  const raw = Buffer.alloc(Math.ceil((imageLength * 3) / 4) + 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (random() * 256) | 0;
  const image = raw.toString("base64").replace(/=+$/, "").slice(0, imageLength).padEnd(imageLength, "A");
  const body = Buffer.from(head + image + tail, "latin1");
  if (body.length !== size) throw new Error(`makeBody: built ${body.length} bytes, wanted ${size}`);
  return body;
}

/** Beam's signature, computed here independently of core (chunked base64, node:crypto). */
export function beamSignature(body, timestamp = TIMESTAMP, secret = SECRET) {
  const hmac = createHmac("sha256", secret);
  for (let start = 0; start < body.length; start += 3 * 32 * KiB) {
    hmac.update(body.toString("base64", start, Math.min(start + 3 * 32 * KiB, body.length)), "latin1");
  }
  hmac.update(`:${timestamp}`, "latin1");
  return hmac.digest("hex");
}

/** The headers Beam sends, as Node's IncomingHttpHeaders has them (lower-case names). */
export function beamHeaders(body, timestamp = TIMESTAMP) {
  return {
    "content-type": "application/json",
    "x-task-id": TASK_ID,
    "x-task-status": "COMPLETE",
    "x-task-timestamp": String(timestamp),
    "x-task-signature": beamSignature(body, timestamp),
  };
}
