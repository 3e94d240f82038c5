import { base64Length, encodeUtf8, toHex, writeBase64 } from "../encoding.js";
import type { CryptoSeam } from "./seam.js";

// Text decoding sits behind the same seam: the Node build has a faster path for ASCII bodies.
export { decodeUtf8 } from "../encoding.js";

// Web Crypto has no streaming HMAC, so the message is built once as ASCII bytes (4/3 of the
// body) rather than as a string, which would be larger still.
export const seam: CryptoSeam = {
  name: "web-crypto",
  importKey(secret) {
    return globalThis.crypto.subtle.importKey("raw", encodeUtf8(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
  },
  async signPayload(key, body, timestamp) {
    const message = new Uint8Array(base64Length(body.length) + 1 + timestamp.length);
    let offset = writeBase64(body, message, 0);
    message[offset++] = 58;
    for (let i = 0; i < timestamp.length; i++) message[offset + i] = timestamp.charCodeAt(i);
    const mac = await globalThis.crypto.subtle.sign("HMAC", key as CryptoKey, message);
    return new Uint8Array(mac);
  },
  async sha256Hex(text) {
    return toHex(new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", encodeUtf8(text))));
  },
};
