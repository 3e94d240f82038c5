import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { seam } from "../src/crypto/web.js";
import { writeMessage } from "../src/crypto/web-message.js";
import { base64Length, writeBase64 } from "../src/encoding.js";

/** Deterministic bytes, every value 0-255 appearing. */
function bytesOf(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 167 + (i >> 8) * 13 + 7) & 255;
  return out;
}

describe("writeBase64", () => {
  // The word-at-a-time path needs 4-byte-aligned input and output; every alignment and every
  // tail length must give the same text as Node's encoder.
  it("writes standard padded base64 at every length and alignment", () => {
    for (const length of [0, 1, 2, 3, 11, 12, 13, 23, 24, 25, 47, 48, 100, 1021, 4099]) {
      const expected = Buffer.from(bytesOf(length)).toString("base64");
      for (let inShift = 0; inShift < 4; inShift++) {
        const input = new Uint8Array(length + inShift).subarray(inShift);
        input.set(bytesOf(length));
        for (let outShift = 0; outShift < 4; outShift++) {
          const out = new Uint8Array(base64Length(length) + outShift + 1);
          const end = writeBase64(input, out, outShift);
          expect(end - outShift).toBe(base64Length(length));
          expect(Buffer.from(out.subarray(outShift, end)).toString("latin1")).toBe(expected);
        }
      }
    }
  });
});

describe("the seam's signPayload", () => {
  it("signs base64(body):timestamp exactly as Beam does, whatever the body's offset", async () => {
    const secret = "sk_encoding_test";
    const key = await seam.importKey(secret);
    for (const length of [0, 1, 2, 3, 1000, 49_153, 200_001]) {
      const body = bytesOf(length);
      const expected = createHmac("sha256", secret)
        .update(`${Buffer.from(body).toString("base64")}:1764230400`, "latin1")
        .digest("hex");
      for (const shift of [0, 1]) {
        const view = new Uint8Array(length + shift).subarray(shift);
        view.set(body);
        const mac = await seam.signPayload(key, view, "1764230400");
        expect(Buffer.from(mac).toString("hex")).toBe(expected);
      }
    }
  });
});

describe("the Web seam's message", () => {
  // Node 20 has no Uint8Array.prototype.toBase64: the native branch runs here with an encoder
  // of the same contract (standard alphabet, padded), so both branches are pinned everywhere.
  const bufferToBase64 = function (this: Uint8Array) {
    return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString("base64");
  };

  it("is the same bytes from the JS encoder and from a native toBase64", () => {
    for (const length of [0, 1, 2, 3, 1000, 49_153]) {
      const body = bytesOf(length);
      const expected = `${Buffer.from(body).toString("base64")}:1764230400`;
      for (const toBase64 of [undefined, bufferToBase64]) {
        // A larger, dirty buffer, as a reused one is: only the message's own bytes count.
        const message = writeMessage(body, "1764230400", (n) => new Uint8Array(n + 7).fill(33), toBase64);
        expect(Buffer.from(message).toString("latin1")).toBe(expected);
      }
    }
  });

  it("signs concurrent requests of different sizes each with its own bytes", async () => {
    const secret = "sk_concurrent";
    const key = await seam.importKey(secret);
    const lengths = [5000, 10, 70_000, 3, 5000, 1];
    const macs = await Promise.all(lengths.map((n) => seam.signPayload(key, bytesOf(n), "1")));
    lengths.forEach((n, i) => {
      const expected = createHmac("sha256", secret)
        .update(`${Buffer.from(bytesOf(n)).toString("base64")}:1`)
        .digest("hex");
      expect(Buffer.from(macs[i] as Uint8Array).toString("hex")).toBe(expected);
    });
  });
});
