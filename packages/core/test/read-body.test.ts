import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readBody } from "../src/index.js";

describe("readBody", () => {
  it("joins Web stream and Node stream chunks", async () => {
    const web = new Blob(["ab", "cd"]).stream();
    expect(new TextDecoder().decode(await readBody(web, { maxBodyBytes: 10 }))).toBe("abcd");
    const node = Readable.from([Buffer.from("ab"), "cd"]);
    expect(new TextDecoder().decode(await readBody(node, { maxBodyBytes: 10 }))).toBe("abcd");
    expect(await readBody(null, { maxBodyBytes: 10 })).toEqual(new Uint8Array(0));
  });

  it("refuses at once when Content-Length is over the limit, without reading", async () => {
    let pulled = 0;
    const stream = new ReadableStream({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(10));
      },
    });
    await expect(readBody(stream, { maxBodyBytes: 100, contentLength: "1000" })).rejects.toMatchObject({
      code: "BODY_TOO_LARGE",
    });
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it("stops reading an endless stream as soon as it passes the limit", async () => {
    let pulled = 0;
    const endless = new ReadableStream({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(1024));
      },
    });
    await expect(readBody(endless, { maxBodyBytes: 10 * 1024 })).rejects.toMatchObject({ code: "BODY_TOO_LARGE" });
    expect(pulled).toBeLessThan(20);
  });

  it("turns a broken stream into INVALID_BODY", async () => {
    const broken = new ReadableStream({
      pull(controller) {
        controller.error(new Error("socket hang up"));
      },
    });
    await expect(readBody(broken, { maxBodyBytes: 10 })).rejects.toMatchObject({ code: "INVALID_BODY" });
  });
});
