import { Buffer } from "node:buffer";
import { createHash, createHmac, createSecretKey, type KeyObject } from "node:crypto";
import type { CryptoSeam } from "./seam.js";

// A multiple of 3, so every chunk encodes to base64 without padding and the chunks
// concatenate to exactly base64(body). Feeding chunks keeps memory flat on large bodies.
const CHUNK_BYTES = 3 * 32 * 1024;

export const crypto: CryptoSeam = {
  name: "node-crypto",
  async importKey(secret) {
    return createSecretKey(Buffer.from(secret, "utf8"));
  },
  async signPayload(key, body, timestamp) {
    const hmac = createHmac("sha256", key as KeyObject);
    const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    for (let start = 0; start < buffer.length; start += CHUNK_BYTES) {
      hmac.update(buffer.toString("base64", start, Math.min(start + CHUNK_BYTES, buffer.length)), "latin1");
    }
    hmac.update(`:${timestamp}`, "latin1");
    return hmac.digest();
  },
  async sha256Hex(text) {
    return createHash("sha256").update(text, "utf8").digest("hex");
  },
};
