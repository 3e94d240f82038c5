import { Buffer } from "node:buffer";
import { createHash, createHmac, createSecretKey, type KeyObject } from "node:crypto";
import type { CryptoSeam } from "./seam.js";

// A multiple of 3, so every chunk encodes to base64 without padding and the chunks
// concatenate to exactly base64(body). Feeding chunks keeps memory flat on large bodies.
// 48 KiB makes 64 KiB strings: V8 puts strings of 128 KiB and more in its large-object
// space, which made 96 KiB chunks about half as fast from 1 MiB up (see bench/).
const CHUNK_BYTES = 3 * 16 * 1024;

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
