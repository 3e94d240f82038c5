import { Buffer, isAscii } from "node:buffer";
import { createHash, createHmac, createSecretKey, type KeyObject } from "node:crypto";
import { decodeUtf8 as decodeStrict } from "../encoding.js";
import type { CryptoSeam } from "./seam.js";

// A multiple of 3, so every chunk encodes to base64 without padding and the chunks
// concatenate to exactly base64(body). Feeding chunks keeps memory flat on large bodies.
// 48 KiB makes 64 KiB strings: V8 puts strings of 128 KiB and more in its large-object
// space, which made 96 KiB chunks about half as fast from 1 MiB up (see bench/).
const CHUNK_BYTES = 3 * 16 * 1024;

function importKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, "utf8"));
}

function signPayload(key: unknown, body: Uint8Array, timestamp: string): Uint8Array {
  const hmac = createHmac("sha256", key as KeyObject);
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  for (let start = 0; start < buffer.length; start += CHUNK_BYTES) {
    hmac.update(buffer.toString("base64", start, Math.min(start + CHUNK_BYTES, buffer.length)), "latin1");
  }
  hmac.update(`:${timestamp}`, "latin1");
  return hmac.digest();
}

export const seam: CryptoSeam = {
  name: "node-crypto",
  async importKey(secret) {
    return importKey(secret);
  },
  async signPayload(key, body, timestamp) {
    return signPayload(key, body, timestamp);
  },
  sync: { importKey, signPayload },
  async sha256Hex(text) {
    return createHash("sha256").update(text, "utf8").digest("hex");
  },
};

// Below this, isAscii plus a Buffer view cost more than they save.
const ASCII_PATH_MIN_BYTES = 32 * 1024;

/**
 * Strict UTF-8 decoding, as in encoding.ts. Beam escapes every non-ASCII character, so large
 * bodies are ASCII, for which Latin-1 gives the same string: Node decodes it about 1.2-1.3x
 * faster (JSON.parse included) from 1 MiB up. Anything else, BOM included, is not ASCII and
 * goes to the strict decoder.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  if (bytes.length >= ASCII_PATH_MIN_BYTES && isAscii(bytes)) {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  }
  return decodeStrict(bytes);
}
