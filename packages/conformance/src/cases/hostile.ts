import { createHmac } from "node:crypto";
import { gzipSync } from "node:zlib";
import { errorStatus, type TaskCallbackErrorCode } from "@taskhook/core";
import { describe, expect, it } from "vitest";
import {
  expectAccepted,
  expectError,
  type SignedRequest,
  type SuiteContext,
  type TestServer,
  withoutHeader,
} from "../context.js";
import { type RawOptions, type RawRequest, type RawResult, rawRequest, type SendResponse, sendRaw } from "../http.js";

type HeaderValue = string | Uint8Array;
type HeaderLines = Array<readonly [string, HeaderValue]>;

const forged = "0".repeat(64);
const bodyTimeoutMs = 250;

/**
 * What a client (or a proxy in front of the server) can send that Beam never does. Every case
 * ends by sending a valid callback, which must still be answered 2xx: nothing a request does may
 * crash the server or wedge it.
 *
 * Some requests break HTTP itself (a NUL in a header, a header over the server's size limit), and
 * the server's HTTP layer may refuse them before the adapter sees them (Node answers 400 or 431
 * and closes). Where a case says "or refused by the HTTP layer", either outcome passes: taskhook's
 * own answer with the listed code, or a 4xx that is not taskhook's JSON, or the connection
 * closed without an answer. Every other case wants taskhook's answer exactly.
 */
export function hostileCases(ctx: SuiteContext): void {
  describe("hostile input", () => {
    headerBytesCases(ctx);
    repeatedHeaderCases(ctx);
    signedTimestampCases(ctx);
    slowBodyCases(ctx);
    compressedBodyCases(ctx);
    deepJsonCases(ctx);
    floodCases(ctx);
  });
}

function headerBytesCases(ctx: SuiteContext): void {
  describe("header size and bytes", () => {
    it("a 64 KiB X-Task-Signature -> 401 INVALID_SIGNATURE, or refused by the HTTP layer (Node: 431)", async () => {
      const server = await ctx.start();
      const request = await ctx.callback({ result: 10 });
      const signature = `${request.headers["X-Task-Signature"]}${"a".repeat(64 * 1024)}`;
      const result = await exchange(server, withHeaders(request, { "X-Task-Signature": signature }));
      expectRefused(result, "INVALID_SIGNATURE");
      expect(server.received).toHaveLength(0);
      await expectStillServing(ctx, server);
    });

    it("a 64 KiB header the signature does not cover -> 2xx, or refused by the HTTP layer (Node: 431)", async () => {
      const server = await ctx.start();
      const request = await ctx.callback({ result: 10 });
      const result = await exchange(server, withHeaders(request, { "X-Padding": "p".repeat(64 * 1024) }));
      expectAcceptedOrRefusedByHttp(result, server, 1);
      await expectStillServing(ctx, server);
    });

    const bytes: Array<[string, string, (value: string) => HeaderValue, TaskCallbackErrorCode]> = [
      ["UTF-8 in", "X-Task-ID", (id) => `${id}-東京`, "INVALID_HEADER"],
      ["UTF-8 in", "X-Task-Status", () => "COMPLÉTE", "INVALID_HEADER"],
      ["UTF-8 digits as", "X-Task-Timestamp", () => "١٧٦٤٣١٦٨٠٠", "INVALID_HEADER"],
      ["UTF-8 in", "X-Task-Signature", (signature) => `${signature}é`, "INVALID_SIGNATURE"],
      ["a byte 0xFF (not UTF-8) in", "X-Task-Signature", (signature) => withByte(signature, 0xff), "INVALID_SIGNATURE"],
      ["a NUL byte in", "X-Task-ID", (id) => `${id}\0`, "INVALID_HEADER"],
      ["a NUL byte in", "X-Task-Timestamp", (timestamp) => `${timestamp}\0`, "INVALID_HEADER"],
      ["a NUL byte in", "X-Task-Signature", (signature) => `\0${signature}`, "INVALID_SIGNATURE"],
    ];
    for (const [what, name, change, code] of bytes) {
      it(`${what} ${name} -> ${errorName(code)}, or refused by the HTTP layer`, async () => {
        const server = await ctx.start();
        const request = await ctx.callback({ result: 10 });
        const result = await exchange(server, withHeaders(request, { [name]: change(request.headers[name] ?? "") }));
        expectRefused(result, code);
        expect(server.received).toHaveLength(0);
        await expectStillServing(ctx, server);
      });
    }

    it.each([
      ["UTF-8", "café 東京 🚀"],
      ["a NUL byte", "a\0b"],
    ])("%s in a header the signature does not cover -> 2xx, or refused by the HTTP layer", async (_, value) => {
      const server = await ctx.start();
      const request = await ctx.callback({ result: 10 });
      expectAcceptedOrRefusedByHttp(await exchange(server, withHeaders(request, { "X-Note": value })), server, 1);
      await expectStillServing(ctx, server);
    });
  });
}

function repeatedHeaderCases(ctx: SuiteContext): void {
  describe("repeated headers", () => {
    // Node and `Headers` join repeats with ", ", which no strict format accepts; a server that
    // kept only the first or the last would let a proxy and the app disagree on what was signed.
    const repeats: Array<[string, string, (valid: string) => [string, string], TaskCallbackErrorCode]> = [
      ["X-Task-Signature", "the valid signature twice", (valid) => [valid, valid], "INVALID_SIGNATURE"],
      ["X-Task-Signature", "valid, then forged", (valid) => [valid, forged], "INVALID_SIGNATURE"],
      ["X-Task-Signature", "forged, then valid", (valid) => [forged, valid], "INVALID_SIGNATURE"],
      ["X-Task-Timestamp", "the same value twice", (valid) => [valid, valid], "INVALID_HEADER"],
      ["X-Task-ID", "the same value twice", (valid) => [valid, valid], "INVALID_HEADER"],
      ["X-Task-Status", "the same value twice", (valid) => [valid, valid], "INVALID_HEADER"],
    ];
    for (const [name, how, values, code] of repeats) {
      it(`${name} sent twice (${how}) -> ${errorName(code)}`, async () => {
        const server = await ctx.start();
        const request = await ctx.callback({ result: 10 });
        const result = await exchange(server, withHeaders(request, { [name]: values(request.headers[name] ?? "") }));
        expectError(firstAnswer(result), code);
        expect(server.received).toHaveLength(0);
        await expectStillServing(ctx, server);
      });
    }
  });
}

function signedTimestampCases(ctx: SuiteContext): void {
  describe("timestamps, each correctly signed as written", () => {
    // Signed over the exact text, so only the format check stands between them and 2xx: a
    // lenient parser (Number, parseInt, parseFloat) reads most of them as a time in the window.
    const timestamps: Array<[string, string]> = [
      ["negative", "-1"],
      ["negative now", `-${ctx.now}`],
      ["fractional", `${ctx.now}.5`],
      ["fractional zero", `${ctx.now}.0`],
      ["exponent form", `${ctx.now / 100}e2`],
      ["exponent form with a fraction", `${ctx.now / 1e9}e9`],
      ["a leading +", `+${ctx.now}`],
      ["a leading zero", `0${ctx.now}`],
      ["leading zeros", `0000${ctx.now}`],
      ["2^53 + 1", "9007199254740993"],
      ["beyond 2^64", "18446744073709551617"],
      ["400 digits, Infinity as a number", `1${"0".repeat(400)}`],
    ];
    for (const [what, timestamp] of timestamps) {
      const shown = timestamp.length > 24 ? `${timestamp.slice(0, 12)}...` : timestamp;
      it(`${what} (${shown}) -> 400 INVALID_HEADER`, async () => {
        const server = await ctx.start();
        const request = await ctx.callback({ result: 10 });
        const signature = signAt(ctx.secret, request.body, timestamp);
        const response = await server.send({
          ...request,
          headers: { ...request.headers, "X-Task-Timestamp": timestamp, "X-Task-Signature": signature },
        });
        expectError(response, "INVALID_HEADER");
        expect(server.received).toHaveLength(0);
        await expectStillServing(ctx, server);
      });
    }
  });
}

function slowBodyCases(ctx: SuiteContext): void {
  describe("Content-Length and slow bodies", () => {
    it("Content-Length shorter than the body -> 401 INVALID_SIGNATURE for the cut body, without waiting for the rest", async () => {
      const server = await ctx.start();
      const request = await ctx.callback({ result: 10 });
      const body = bytesOf(request.body);
      const bytes = rawRequest(server.url, { ...withHeaders(request), contentLength: body.length - 5 });
      const cut = bytes.length - 5;
      // The last 5 bytes follow only if no answer came within a second.
      const result = await sendRaw(server.url, [bytes.subarray(0, cut), bytes.subarray(cut)], {
        gapMs: 1000,
        stopAfterAnswers: 1,
      });
      expectError(firstAnswer(result), "INVALID_SIGNATURE");
      expect(result.partsWritten).toBe(1);
      expect(server.received).toHaveLength(0);
      await expectStillServing(ctx, server);
    });

    it("Content-Length shorter than the body, all sent at once -> 401 INVALID_SIGNATURE, or refused by the HTTP layer", async () => {
      const server = await ctx.start();
      const request = await ctx.callback({ result: 10 });
      const body = bytesOf(request.body);
      const result = await exchange(server, { ...withHeaders(request), contentLength: body.length - 5 });
      // The 5 bytes left over are no request: Node answers them 400 and closes, before the adapter answers.
      expectRefused(result, "INVALID_SIGNATURE");
      expect(server.received).toHaveLength(0);
      await expectStillServing(ctx, server);
    });

    const closing = closeAfter408(ctx);
    it(`Content-Length longer than the body, connection held open -> 408 REQUEST_TIMEOUT after bodyTimeoutMs, ${closing.title}`, async () => {
      const server = await ctx.start({ options: { bodyTimeoutMs } });
      const request = await ctx.callback({ result: 10 });
      const body = bytesOf(request.body);
      const held = { ...withHeaders(request, {}, false), contentLength: body.length + 64 };
      const result = await exchange(server, held, { stopAfterAnswers: closing.stopAfterAnswers });
      expectError(firstAnswer(result), "REQUEST_TIMEOUT");
      closing.check(result);
      expect(server.received).toHaveLength(0);
      await expectStillServing(ctx, server);
    });

    it("Content-Length longer than the body, then the client half-closes -> 400 INVALID_BODY, or refused by the HTTP layer", async () => {
      const server = await ctx.start();
      const request = await ctx.callback({ result: 10 });
      const body = bytesOf(request.body);
      const head = { ...withHeaders(request), contentLength: body.length + 64 };
      expectRefused(await exchange(server, head, { end: true }), "INVALID_BODY");
      expect(server.received).toHaveLength(0);
      await expectStillServing(ctx, server);
    });

    eagerClientCases(ctx);
    trickledBodyCases(ctx);
  });
}

/** For adapters that answer on node:http themselves: an early 413 must reach a client that writes first. */
function eagerClientCases(ctx: SuiteContext): void {
  for (const framing of ctx.target.ownsConnection ? (["Content-Length", "chunked"] as const) : []) {
    it(`4 MiB over a 1 KiB limit, written in full before reading (${framing}) -> the 413 BODY_TOO_LARGE still arrives`, async () => {
      const server = await ctx.start({ options: { maxBodyBytes: 1024 } });
      const request = await ctx.callback({ blob: "x".repeat(4 * 1024 * 1024) });
      const body = bytesOf(request.body);
      const chunked = framing === "chunked";
      const lines = withHeaders(request, chunked ? { "Transfer-Encoding": "chunked" } : {}, false).headers;
      const framed = chunked
        ? Buffer.concat([bytesOf(`${body.length.toString(16)}\r\n`), body, bytesOf("\r\n0\r\n\r\n")])
        : body;
      const bytes = rawRequest(server.url, {
        headers: lines,
        body: framed,
        contentLength: chunked ? null : body.length,
      });
      // An adapter that stops reading and closes at once resets the connection, and the
      // client, still writing, never sees the answer; it must drain (bounded) or the like.
      const result = await sendRaw(server.url, bytes, { readAfterWrite: true, waitMs: 2000 });
      expectError(firstAnswer(result), "BODY_TOO_LARGE");
      expect(server.received).toHaveLength(0);
      await expectStillServing(ctx, server);
    });
  }
}

/**
 * After a 408 the server closes the connection, unless the target's runtime keeps connections
 * open whatever the handler answers (`keepsConnectionsOpen`): then the case says so and checks
 * only the 408.
 */
function closeAfter408(ctx: SuiteContext) {
  const reason = ctx.target.keepsConnectionsOpen;
  return {
    title: reason === undefined ? "and closed" : `left open (${reason})`,
    stopAfterAnswers: reason === undefined ? Number.POSITIVE_INFINITY : 1,
    check(result: RawResult): void {
      if (reason === undefined)
        expect(result.closedByServer, "the server must close the connection after a 408").toBe(true);
    },
  };
}

/** A body trickled inside any per-read timeout: only a deadline for the whole body stops it. */
function trickledBodyCases(ctx: SuiteContext): void {
  const closing = closeAfter408(ctx);
  for (const framing of ["Content-Length", "chunked"] as const) {
    it(`a valid callback trickled one byte every 25 ms (${framing}) -> 408 REQUEST_TIMEOUT after bodyTimeoutMs, ${closing.title}`, async () => {
      const server = await ctx.start({ options: { bodyTimeoutMs } });
      const request = await ctx.callback({ caption: "x".repeat(200) });
      const body = bytesOf(request.body);
      const chunked = framing === "chunked";
      // No `Connection: close`: the server must decide to close by itself.
      const lines = withHeaders(request, chunked ? { "Transfer-Encoding": "chunked" } : {}, false).headers;
      const head = rawRequest(server.url, { headers: lines, contentLength: chunked ? null : body.length });
      const parts: Array<Uint8Array | string> = [head];
      for (const byte of body) {
        const one = new Uint8Array([byte]);
        parts.push(chunked ? Buffer.concat([bytesOf("1\r\n"), one, bytesOf("\r\n")]) : one);
      }
      if (chunked) parts.push("0\r\n\r\n");
      // Each byte comes well inside the timeout: only a deadline for the whole body stops it.
      const result = await sendRaw(server.url, parts, {
        gapMs: 25,
        waitMs: 4000,
        stopAfterAnswers: closing.stopAfterAnswers,
      });
      expectError(firstAnswer(result), "REQUEST_TIMEOUT");
      expect(result.partsWritten, "answered before the body was complete").toBeLessThan(parts.length);
      closing.check(result);
      expect(server.received).toHaveLength(0);
      await expectStillServing(ctx, server);
    });
  }
}

function compressedBodyCases(ctx: SuiteContext): void {
  describe("compressed bodies", () => {
    it("a gzip bomb (16 MiB of JSON in 16 KiB), correctly signed -> 415 UNSUPPORTED_ENCODING, never inflated", async () => {
      // Inflated, it would pass the 1 MiB limit (413) and the signature over the gzip bytes (401).
      const server = await ctx.start({ options: { maxBodyBytes: 1024 * 1024 } });
      const bomb = gzipSync(`{"data": "${"0".repeat(16 * 1024 * 1024)}"}`, { level: 9 });
      const request = await ctx.sign(bomb);
      const response = await server.send({ ...request, headers: { ...request.headers, "Content-Encoding": "gzip" } });
      expectError(response, "UNSUPPORTED_ENCODING");
      expect(server.received).toHaveLength(0);
      await expectStillServing(ctx, server);
    });

    it.each(["GZIP", "x-gzip", "deflate", "br", "zstd", "gzip, identity"])(
      "Content-Encoding %j over a plain, correctly signed body -> 415 UNSUPPORTED_ENCODING",
      async (encoding) => {
        const server = await ctx.start();
        const request = await ctx.callback({ result: 10 });
        const response = await server.send({
          ...request,
          headers: { ...request.headers, "Content-Encoding": encoding },
        });
        expectError(response, "UNSUPPORTED_ENCODING");
        expect(server.received).toHaveLength(0);
        await expectStillServing(ctx, server);
      },
    );

    it('Content-Encoding "identity" -> 2xx', async () => {
      const server = await ctx.start();
      const request = await ctx.callback({ result: 10 });
      expectAccepted(
        await server.send({ ...request, headers: { ...request.headers, "Content-Encoding": "identity" } }),
      );
      expect(server.received).toHaveLength(1);
    });
  });
}

function deepJsonCases(ctx: SuiteContext): void {
  describe("deep JSON", () => {
    // Beam's sender (Python's json.dumps) stops at 1,000 levels, so deeper data is refused
    // before it reaches a handler that might walk it recursively; the server must not crash.
    // A forged one is refused before any parsing.
    const nestedTo = (depth: number) => `{"data": ${"[".repeat(depth)}${"]".repeat(depth)}}`;
    const nested = nestedTo(100_000);

    it("JSON nested 100,000 deep, correctly signed -> 400 INVALID_BODY, no crash", async () => {
      const server = await ctx.start();
      expectError(await server.send(await ctx.sign(nested)), "INVALID_BODY");
      expect(server.received).toHaveLength(0);
      await expectStillServing(ctx, server);
    });

    it("JSON nested 1,000 deep (as deep as json.dumps goes) -> 2xx, the data handed on at full depth", async () => {
      const server = await ctx.start();
      expectAccepted(await server.send(await ctx.sign(nestedTo(1000))));
      expect(depthOf(server.received[0]?.data)).toBe(1000);
    });

    it("JSON nested 100,000 deep, forged -> 401 INVALID_SIGNATURE", async () => {
      const server = await ctx.start();
      const request = await ctx.sign(nested);
      const response = await server.send({
        ...request,
        headers: { ...request.headers, "X-Task-Signature": forged },
      });
      expectError(response, "INVALID_SIGNATURE");
      expect(server.received).toHaveLength(0);
      await expectStillServing(ctx, server);
    });
  });
}

function floodCases(ctx: SuiteContext): void {
  describe("a flood", () => {
    const connections = 100;
    const perConnection = 10;
    const validCount = 20;
    const unpipelined = ctx.target.closesPipelinedConnections;
    const unshared = ctx.target.closesAfterUnreadBody;
    const how =
      unshared !== undefined
        ? `each on a new connection: ${unshared}`
        : unpipelined === undefined
          ? "pipelined"
          : `one after another: ${unpipelined}`;

    it(`${connections * perConnection} invalid requests at once (${connections} connections x ${perConnection} ${how}) -> each refused, while ${validCount} valid callbacks alongside -> 2xx`, {
      timeout: 20_000,
    }, async () => {
      const server = await ctx.start();
      const template = await ctx.callback({ result: 10 });
      const kinds: Array<[Record<string, string>, TaskCallbackErrorCode]> = [
        [{ ...template.headers, "X-Task-Signature": forged }, "INVALID_SIGNATURE"],
        [withoutHeader(template.headers, "X-Task-Signature"), "MISSING_HEADER"],
        [{ ...template.headers, "X-Task-Timestamp": String(ctx.now - 3600) }, "TIMESTAMP_EXPIRED"],
        [{ ...template.headers, "X-Task-Timestamp": `+${ctx.now}` }, "INVALID_HEADER"],
        [{ ...template.headers, "Content-Encoding": "gzip" }, "UNSUPPORTED_ENCODING"],
      ];
      const expected: Array<Array<[number, string]>> = [];
      const floods: Uint8Array[][] = [];
      for (let c = 0; c < connections; c++) {
        const requests: Uint8Array[] = [];
        expected.push([]);
        for (let r = 0; r < perConnection; r++) {
          const [headers, code] = kinds[(c * perConnection + r) % kinds.length] as (typeof kinds)[number];
          const last = r === perConnection - 1 || unshared !== undefined;
          const lines: HeaderLines = Object.entries(headers);
          if (last) lines.push(["Connection", "close"]);
          requests.push(rawRequest(server.url, { headers: lines, body: template.body }));
          expected[c]?.push([errorStatus[code], code]);
        }
        floods.push(unpipelined === undefined && unshared === undefined ? [Buffer.concat(requests)] : requests);
      }
      const valid = await Promise.all(Array.from({ length: validCount }, (_, i) => ctx.callback({ valid: i })));

      const flood = async (parts: Uint8Array[]): Promise<SendResponse[]> => {
        if (unshared === undefined) {
          const options = { waitMs: 15_000, stopAfterAnswers: perConnection, oneAtATime: unpipelined !== undefined };
          return (await sendRaw(server.url, parts, options)).responses;
        }
        const responses: SendResponse[] = [];
        for (const part of parts) {
          responses.push(...(await sendRaw(server.url, part, { waitMs: 15_000, stopAfterAnswers: 1 })).responses);
        }
        return responses;
      };
      const [results, answers] = await Promise.all([
        Promise.all(floods.map(flood)),
        Promise.all(valid.map((request) => server.send(request))),
      ]);

      const got = results.map((responses) =>
        responses.map((response): [number, string] => [response.status, codeOf(response) ?? response.text]),
      );
      expect(got).toEqual(expected);
      for (const answer of answers) expectAccepted(answer);
      expect(server.received.map((callback) => callback.taskId).sort()).toEqual(
        valid.map((request) => request.headers["X-Task-ID"]).sort(),
      );
      await expectStillServing(ctx, server);
    });
  });
}

/**
 * One raw request on its own connection, collected until its answer is complete or the server
 * closes it. A case that checks the close passes `stopAfterAnswers: Infinity`.
 */
function exchange(server: TestServer, request: RawRequest, options: RawOptions = {}): Promise<RawResult> {
  return sendRaw(server.url, rawRequest(server.url, request), { waitMs: 5000, stopAfterAnswers: 1, ...options });
}

/**
 * `request` as raw header lines, with `changes` applied: a value replaces the header (or adds
 * it), an array of values repeats it. The body goes as it is.
 */
function withHeaders(
  request: SignedRequest,
  changes: Record<string, HeaderValue | HeaderValue[]> = {},
  close = true,
): RawRequest {
  const headers: HeaderLines = [];
  const all: Record<string, HeaderValue | HeaderValue[]> = { ...request.headers, ...changes };
  for (const [name, value] of Object.entries(all)) {
    for (const one of Array.isArray(value) ? value : [value]) headers.push([name, one]);
  }
  if (close) headers.push(["Connection", "close"]);
  return { headers, body: request.body };
}

/** The first answer on a raw connection; fails when there was none. */
function firstAnswer(result: RawResult): SendResponse {
  const [response] = result.responses;
  expect(response, `no answer (connection ${result.closedByServer ? "closed" : "left open"})`).toBeDefined();
  return response as SendResponse;
}

/**
 * Refused by taskhook with `code`, or by the server's HTTP layer before the adapter: a 4xx that
 * is not taskhook's JSON, or the connection closed without an answer. Never 2xx.
 */
function expectRefused(result: RawResult, code: TaskCallbackErrorCode): void {
  const [response] = result.responses;
  if (response === undefined) {
    expect(result.closedByServer, "no answer, and the connection was left open").toBe(true);
  } else if (codeOf(response) !== undefined) {
    expectError(response, code);
  } else {
    expectHttpLayerRefusal(response);
  }
}

/** Accepted (2xx, the handler ran `count` times), or refused by the HTTP layer (the handler never ran). */
function expectAcceptedOrRefusedByHttp(result: RawResult, server: TestServer, count: number): void {
  const [response] = result.responses;
  if (response !== undefined && Math.floor(response.status / 100) === 2) {
    expect(server.received).toHaveLength(count);
    return;
  }
  if (response === undefined) expect(result.closedByServer, "no answer, and the connection was left open").toBe(true);
  else expectHttpLayerRefusal(response);
  expect(server.received).toHaveLength(0);
}

function expectHttpLayerRefusal(response: SendResponse): void {
  expect(codeOf(response), `taskhook answered ${response.status} ${response.text}`).toBeUndefined();
  expect(Math.floor(response.status / 100), `expected a 4xx, got ${response.status} ${response.text}`).toBe(4);
}

/** A valid callback sent after whatever the test did is still answered 2xx and handled. */
async function expectStillServing(ctx: SuiteContext, server: TestServer): Promise<void> {
  const before = server.received.length;
  const request = await ctx.callback({ still: "serving" });
  expectAccepted(await server.send(request));
  expect(server.received).toHaveLength(before + 1);
  expect(server.received.at(-1)?.taskId).toBe(request.headers["X-Task-ID"]);
}

/** The `error.code` of taskhook's error shape, when the answer has it. */
function codeOf(response: SendResponse): string | undefined {
  const error = (response.json as { error?: { code?: unknown } } | undefined)?.error;
  return typeof error?.code === "string" ? error.code : undefined;
}

function errorName(code: TaskCallbackErrorCode): string {
  return `${errorStatus[code]} ${code}`;
}

/** Beam's signature over `body` and the timestamp exactly as written, whatever it is. */
function signAt(secret: string, body: Uint8Array | string, timestamp: string): string {
  const message = `${Buffer.from(bytesOf(body)).toString("base64")}:${timestamp}`;
  return createHmac("sha256", secret).update(message).digest("hex");
}

function bytesOf(value: Uint8Array | string): Uint8Array {
  return typeof value === "string" ? new TextEncoder().encode(value) : value;
}

function withByte(text: string, byte: number): Uint8Array {
  return Buffer.concat([bytesOf(text), new Uint8Array([byte])]);
}

/** How deep `value` nests in first elements, counted without recursion. */
function depthOf(value: unknown): number {
  let depth = 0;
  while (Array.isArray(value)) {
    depth++;
    value = value[0];
  }
  return depth;
}
