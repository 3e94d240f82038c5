import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { DEFAULT_BODY_TIMEOUT_MS, nodeRequestBody, readBody } from "../src/adapter.js";

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

  it("reads a Node stream by its events: destroyed when refused, unless an adapter keeps it open to drain", async () => {
    const chunks = () => Readable.from([Buffer.alloc(8), Buffer.alloc(8), Buffer.alloc(8)]);
    const whole = chunks();
    expect(await readBody(nodeRequestBody(whole as never), { maxBodyBytes: 100 })).toHaveLength(24);
    expect(whole.listenerCount("data") + whole.listenerCount("end")).toBe(0);

    const given = chunks();
    await expect(readBody(given, { maxBodyBytes: 12 })).rejects.toMatchObject({ code: "BODY_TOO_LARGE" });
    expect(given.destroyed).toBe(true);
    // Still arriving (no end yet), as an upload that is refused part way.
    const kept = new Readable({ read() {} });
    for (let i = 0; i < 3; i++) kept.push(Buffer.alloc(8));
    await expect(readBody(nodeRequestBody(kept as never), { maxBodyBytes: 12 })).rejects.toMatchObject({
      code: "BODY_TOO_LARGE",
    });
    expect(kept.destroyed).toBe(false);
    expect(kept.listenerCount("data")).toBe(0);
  });

  it("answers INVALID_BODY when a Node stream closes or fails before its end", async () => {
    const cut = new Readable({ read() {} });
    cut.push(Buffer.from("ab"));
    const read = readBody(cut, { maxBodyBytes: 100 });
    setTimeout(() => cut.destroy(), 5);
    await expect(read).rejects.toMatchObject({ code: "INVALID_BODY" });
    const failing = new Readable({ read() {} });
    const failed = readBody(nodeRequestBody(failing as never), { maxBodyBytes: 100 });
    setTimeout(() => failing.destroy(new Error("ECONNRESET")), 5);
    await expect(failed).rejects.toMatchObject({ code: "INVALID_BODY" });
  });

  it("refuses an object-mode stream (a body parser's output) as BODY_ALREADY_PARSED", async () => {
    const parsed = Readable.from([{ data: { result: 10 } }]);
    await expect(readBody(parsed as never, { maxBodyBytes: 100 })).rejects.toMatchObject({
      code: "BODY_ALREADY_PARSED",
    });
  });

  it("reads a whole Request: in one arrayBuffer() with a Content-Length, else as a bounded stream", async () => {
    const post = (body: BodyInit, headers: Record<string, string> = {}) =>
      new Request("http://localhost/", { method: "POST", body, headers, duplex: "half" } as RequestInit);
    const known = post("abcd", { "content-length": "4" });
    expect(new TextDecoder().decode(await readBody(known, { maxBodyBytes: 10, contentLength: "4" }))).toBe("abcd");
    expect(known.bodyUsed).toBe(true);
    await expect(readBody(known, { maxBodyBytes: 10, contentLength: "4" })).rejects.toMatchObject({
      code: "BODY_ALREADY_PARSED",
    });
    const streamed = post(new Blob(["x".repeat(100)]).stream());
    await expect(readBody(streamed, { maxBodyBytes: 10 })).rejects.toMatchObject({ code: "BODY_TOO_LARGE" });
    const declaredTooLarge = post("x".repeat(100));
    await expect(readBody(declaredTooLarge, { maxBodyBytes: 10, contentLength: "100" })).rejects.toMatchObject({
      code: "BODY_TOO_LARGE",
    });
  });

  it("turns a broken stream into INVALID_BODY", async () => {
    const broken = new ReadableStream({
      pull(controller) {
        controller.error(new Error("socket hang up"));
      },
    });
    await expect(readBody(broken, { maxBodyBytes: 10 })).rejects.toMatchObject({ code: "INVALID_BODY" });
  });
  describe("timeoutMs", () => {
    /** A Web stream that sends one byte every `everyMs`, forever, and records its cancellation. */
    function trickle(everyMs: number) {
      const state = { cancelled: false };
      const stream = new ReadableStream<Uint8Array>({
        pull: (controller) =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              if (!state.cancelled) controller.enqueue(new Uint8Array([0x20]));
              resolve();
            }, everyMs),
          ),
        cancel: () => {
          state.cancelled = true;
        },
      });
      return { stream, state };
    }

    it("defaults to 30 s, the read timeout of Beam's sender", () => {
      expect(DEFAULT_BODY_TIMEOUT_MS).toBe(30_000);
    });

    it("stops a Web stream trickled past the deadline with REQUEST_TIMEOUT and cancels it", async () => {
      // Each byte comes well within the timeout: only a deadline for the whole body stops it.
      const { stream, state } = trickle(5);
      await expect(readBody(stream, { maxBodyBytes: 1024, timeoutMs: 60 })).rejects.toMatchObject({
        name: "TaskCallbackError",
        code: "REQUEST_TIMEOUT",
        status: 408,
      });
      expect(state.cancelled).toBe(true);
    });

    it("stops a stalled Node stream with REQUEST_TIMEOUT and leaves it open for the answer", async () => {
      const stalled = new Readable({ read() {} });
      stalled.push("partial");
      await expect(readBody(stalled, { maxBodyBytes: 1024, timeoutMs: 30 })).rejects.toMatchObject({
        code: "REQUEST_TIMEOUT",
      });
      // Destroying a Node request destroys its socket, and the 408 with it.
      expect(stalled.destroyed).toBe(false);
      stalled.destroy();
    });

    it("reads a body that arrives in time, and 0 turns the deadline off", async () => {
      const slow = () =>
        Readable.from(
          (async function* () {
            for (const part of ["ab", "cd"]) {
              await new Promise((resolve) => setTimeout(resolve, 20));
              yield part;
            }
          })(),
        );
      expect(new TextDecoder().decode(await readBody(slow(), { maxBodyBytes: 10, timeoutMs: 1000 }))).toBe("abcd");
      expect(new TextDecoder().decode(await readBody(slow(), { maxBodyBytes: 10, timeoutMs: 0 }))).toBe("abcd");
      await expect(readBody(slow(), { maxBodyBytes: 10, timeoutMs: 10 })).rejects.toMatchObject({
        code: "REQUEST_TIMEOUT",
      });
    });

    it("still destroys a Node stream it stops for another reason", async () => {
      const endless = new Readable({
        read() {
          this.push(Buffer.alloc(1024));
        },
      });
      await expect(readBody(endless, { maxBodyBytes: 4096, timeoutMs: 1000 })).rejects.toMatchObject({
        code: "BODY_TOO_LARGE",
      });
      expect(endless.destroyed).toBe(true);
    });
  });
});
