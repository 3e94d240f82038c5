import { base64Length, writeBase64 } from "../encoding.js";

export type ToBase64 = (this: Uint8Array) => string;
// Standard alphabet, padded, by default: the exact text Beam signs. Used where the runtime has
// it (Bun, Deno, recent browsers and Node versions); elsewhere the JS encoder in encoding.ts.
const nativeToBase64 = (Uint8Array.prototype as { toBase64?: ToBase64 }).toBase64;
const asciiEncoder = new TextEncoder();

/** The bytes of `base64(body) + ":" + timestamp`, in a buffer of at least that length. */
export function writeMessage(
  body: Uint8Array,
  timestamp: string,
  into: (length: number) => Uint8Array<ArrayBuffer>,
  toBase64: ToBase64 | undefined = nativeToBase64,
): Uint8Array<ArrayBuffer> {
  const length = base64Length(body.length) + 1 + timestamp.length;
  const buffer = into(length);
  let offset: number;
  if (toBase64 !== undefined) {
    offset = asciiEncoder.encodeInto(toBase64.call(body), buffer).written;
  } else {
    offset = writeBase64(body, buffer, 0);
  }
  buffer[offset++] = 58;
  for (let i = 0; i < timestamp.length; i++) buffer[offset + i] = timestamp.charCodeAt(i);
  return buffer.subarray(0, length);
}
