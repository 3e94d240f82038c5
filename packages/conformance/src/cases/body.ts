import { describe, expect, it } from "vitest";
import { expectAccepted, expectError, largeUploads, type SuiteContext } from "../context.js";
import { uploadUntilAnswered } from "../http.js";

const texts = {
  emoji: "🚀 done 🎉 👩🏽‍💻",
  CJK: "東京 処理完了 한국어",
  accents: "café — naïve façade",
  "control and quotes": 'tab\tline\n"quoted" \\ slash /',
};

const transfers = ["length", "chunked"] as const;

/** Body formats Beam may send, bodies that must be refused, and the size limit. */
export function bodyCases(ctx: SuiteContext): void {
  describe("body", () => {
    const invalid = {
      "invalid JSON": '{"data": {"result": 10}',
      "JSON without data": '{"result": 10}',
      "a JSON array": "[1, 2]",
      "an empty body": "",
    };
    for (const transfer of transfers) {
      for (const [name, body] of Object.entries(invalid)) {
        it(`${name} (${transfer}), correctly signed -> 400 INVALID_BODY`, async () => {
          const server = await ctx.start();
          expectError(await server.send({ ...(await ctx.sign(body)), transfer }), "INVALID_BODY");
          expect(server.received).toHaveLength(0);
        });
      }
    }

    it("form-urlencoded with JSON in `data` -> 2xx with the parsed data", async () => {
      const server = await ctx.start();
      const body = `data=${encodeURIComponent('{"result": 10, "caption": "東京"}')}`;
      expectAccepted(await server.send(await ctx.sign(body, { contentType: "application/x-www-form-urlencoded" })));
      expect(server.received[0]?.data).toEqual({ result: 10, caption: "東京" });
    });

    it("form-urlencoded with text in `data` -> 2xx with the text", async () => {
      const server = await ctx.start();
      const request = await ctx.sign("data=all+done", {
        contentType: "application/x-www-form-urlencoded; charset=utf-8",
      });
      expectAccepted(await server.send(request));
      expect(server.received[0]?.data).toBe("all done");
    });

    it("a content type with parameters -> 2xx", async () => {
      const server = await ctx.start();
      expectAccepted(await server.send(await ctx.callback(1, { contentType: "application/json; charset=utf-8" })));
      expect(server.received[0]?.data).toBe(1);
    });

    for (const [name, text] of Object.entries(texts)) {
      it(`${name}: \\u-escaped and raw UTF-8 bodies -> 2xx with equal data`, async () => {
        const server = await ctx.start();
        const data = { caption: text, [text]: [text] };
        expectAccepted(await server.send(await ctx.callback(data)));
        expectAccepted(await server.send(await ctx.sign(JSON.stringify({ data }))));
        expect(server.received.map((callback) => callback.data)).toEqual([data, data]);
      });
    }

    it("raw UTF-8 chunked one byte at a time, splitting characters -> 2xx", async () => {
      const server = await ctx.start();
      const data = { caption: Object.values(texts).join(" ") };
      expectAccepted(
        await server.send({ ...(await ctx.sign(JSON.stringify({ data }))), transfer: "chunked", chunkBytes: 1 }),
      );
      expect(server.received[0]?.data).toEqual(data);
    });

    keyAndLimitCases(ctx);
  });
}

/** Key rotation and maxBodyBytes, enforced while the body streams in. */
function keyAndLimitCases(ctx: SuiteContext): void {
  it("rotated keys: the old and the new key -> 2xx, any other -> 401", async () => {
    const [oldKey, newKey] = ctx.vectors.keys as [string, string];
    const server = await ctx.start({ options: { secret: [newKey, oldKey] } });
    expectAccepted(await server.send(await ctx.callback("new", { secret: newKey })));
    expectAccepted(await server.send(await ctx.callback("old", { secret: oldKey })));
    expectError(
      await server.send(await ctx.callback("other", { secret: "sk_not_a_configured_key" })),
      "INVALID_SIGNATURE",
    );
    expect(server.received.map((c) => [c.data, c.secretIndex])).toEqual([
      ["new", 0],
      ["old", 1],
    ]);
  });

  for (const transfer of transfers) {
    it(`maxBodyBytes is passed through (${transfer}): at the limit -> 2xx, one byte over -> 413`, async () => {
      const maxBodyBytes = 2048;
      const server = await ctx.start({ options: { maxBodyBytes } });
      const body = (size: number) => `{"data": "${"x".repeat(size - 12)}"}`;
      expectAccepted(await server.send({ ...(await ctx.sign(body(maxBodyBytes))), transfer }));
      expectError(await server.send({ ...(await ctx.sign(body(maxBodyBytes + 1))), transfer }), "BODY_TOO_LARGE");
      expect(server.received).toHaveLength(1);
    });
  }

  const maxBodyBytes = 64 * 1024;
  const totalBytes = 1024 * maxBodyBytes;
  const uploads = largeUploads(ctx.target);
  for (const declareLength of [true, false]) {
    it(`a 64 MiB upload over a 64 KiB limit ${declareLength ? "with Content-Length" : "chunked"} -> 413 ${uploads.when}`, async () => {
      const server = await ctx.start({ options: { maxBodyBytes } });
      const { headers } = await ctx.callback({ result: 10 });
      const result = await uploadUntilAnswered(server.url, { headers, totalBytes, declareLength });
      uploads.expectRefused(result, "BODY_TOO_LARGE", totalBytes);
      expect(server.received).toHaveLength(0);
    });
  }
}
