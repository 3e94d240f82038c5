import { encodeUtf8, toHex } from "../encoding.js";
import type { CryptoSeam } from "./seam.js";
import { writeMessage } from "./web-message.js";

// Text decoding sits behind the same seam: the Node build has a faster path for ASCII bodies.
export { decodeUtf8 } from "../encoding.js";

// One message buffer kept between requests: allocating (and zeroing) 4/3 of the body per
// request cost about as much as encoding it. Only a request that finds it free uses it, and it
// is free again once Web Crypto has the message, so concurrent requests never share bytes.
// The WeakRef lets the garbage collector take it back when memory is short.
let spare: WeakRef<Uint8Array<ArrayBuffer>> | undefined;
let spareInUse = false;

function spareOf(length: number): Uint8Array<ArrayBuffer> {
  const kept = spare?.deref();
  if (kept !== undefined && kept.length >= length) return kept;
  const fresh = new Uint8Array(length);
  spare = new WeakRef(fresh);
  return fresh;
}

const freshOf = (length: number) => new Uint8Array(length);

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
    const subtle = globalThis.crypto.subtle;
    if (spareInUse)
      return new Uint8Array(await subtle.sign("HMAC", key as CryptoKey, writeMessage(body, timestamp, freshOf)));
    spareInUse = true;
    try {
      // sign() copies the message before it returns, as the Web Crypto spec requires; the spare
      // stays taken until it settles all the same, so a runtime that reads it later is safe too.
      return new Uint8Array(await subtle.sign("HMAC", key as CryptoKey, writeMessage(body, timestamp, spareOf)));
    } finally {
      spareInUse = false;
    }
  },
  async sha256Hex(text) {
    return toHex(new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", encodeUtf8(text))));
  },
};
