import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTestCallback, createVerifier, deliverCallback, type SendAttempt, sendCallback } from "../src/index.js";

const secret = "sk_send_test";
const fast = { retryDelaysMs: [5, 10] };

interface Received {
  method: string | undefined;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A real receiver on 127.0.0.1 whose n-th request is answered by `answers[n]`. */
async function receiver(answers: Array<(res: ServerResponse) => void>) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks) });
      const answer = answers[received.length - 1] ?? answers.at(-1);
      answer?.(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  servers.push(server);
  return { url: `http://127.0.0.1:${port}/beam`, received, server };
}

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  vi.useRealTimers();
});

const status =
  (code: number, body = "") =>
  (res: ServerResponse) =>
    res.writeHead(code).end(body);
const reset = () => (res: ServerResponse) => res.socket?.destroy();

describe("sendCallback", () => {
  it("delivers once when the receiver answers 2xx", async () => {
    const { url, received } = await receiver([status(200, '{"received":true}')]);
    const result = await sendCallback(url, { data: { result: 10 }, secret, ...fast });
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.attempts).toEqual([
      expect.objectContaining({ attempt: 1, outcome: "response", status: 200, body: '{"received":true}' }),
    ]);
    expect(result.attempts[0]?.retryInMs).toBeUndefined();
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe("POST");
  });

  it("sends Beam's exact bytes and headers, which core verifies", async () => {
    const { url, received } = await receiver([status(200)]);
    const data = { result: 10, caption: "café ☕", list: [1, 2] };
    const result = await sendCallback(url, { data, secret, status: "ERROR", taskId: "task-1", ...fast });
    const expected = await createTestCallback({
      data,
      secret,
      status: "ERROR",
      taskId: "task-1",
      timestamp: result.callback.timestamp,
    });
    const request = received[0] as Received;
    expect(request.body.toString("latin1")).toBe(expected.body);
    expect(request.body.toString("latin1")).toBe(
      '{"data": {"result": 10, "caption": "caf\\u00e9 \\u2615", "list": [1, 2]}}',
    );
    expect(request.headers).toMatchObject({
      "content-type": "application/json",
      "x-task-id": "task-1",
      "x-task-status": "ERROR",
      "x-task-timestamp": String(expected.timestamp),
      "x-task-signature": expected.headers["X-Task-Signature"],
    });
    const callback = await createVerifier({ secret }).verify({ headers: request.headers, body: request.body });
    expect(callback.data).toStrictEqual(data);
  });

  it("signs with the given timestamp", async () => {
    const { url, received } = await receiver([status(204)]);
    const timestamp = Math.floor(Date.now() / 1000) - 3600;
    const result = await sendCallback(url, { data: 1, secret, timestamp, ...fast });
    expect(result).toMatchObject({ ok: true, status: 204 });
    expect(received[0]?.headers["x-task-timestamp"]).toBe(String(timestamp));
  });

  it("retries 500 twice, then reports the last status", async () => {
    const { url, received } = await receiver([status(500, "boom")]);
    const result = await sendCallback(url, { data: 1, secret, ...fast });
    expect(result).toMatchObject({ ok: false, status: 500 });
    expect(result.attempts.map((a) => [a.attempt, a.status, a.retryInMs])).toEqual([
      [1, 500, 5],
      [2, 500, 10],
      [3, 500, undefined],
    ]);
    expect(result.attempts[2]?.body).toBe("boom");
    expect(received).toHaveLength(3);
  });

  it("sends byte-identical requests on every retry", async () => {
    const { url, received } = await receiver([status(503), status(502), status(200)]);
    const result = await sendCallback(url, { data: { caption: "naïve" }, secret, ...fast });
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(received).toHaveLength(3);
    const [first, ...rest] = received as [Received, ...Received[]];
    for (const request of rest) {
      expect(request.body.equals(first.body)).toBe(true);
      for (const name of ["x-task-id", "x-task-status", "x-task-timestamp", "x-task-signature", "content-type"]) {
        expect(request.headers[name], name).toBe(first.headers[name]);
      }
    }
    expect(first.body.toString("latin1")).toBe(result.callback.body);
  });

  it.each([408, 425, 429, 500, 503, 599])("retries HTTP %i", async (code) => {
    const { url, received } = await receiver([status(code), status(200)]);
    const result = await sendCallback(url, { data: 1, secret, ...fast });
    expect(result.attempts.map((a) => a.status)).toEqual([code, 200]);
    expect(result.ok).toBe(true);
    expect(received).toHaveLength(2);
  });

  it.each([400, 401, 404, 409, 410, 413, 422])("never retries HTTP %i", async (code) => {
    const { url, received } = await receiver([status(code, '{"error":{"code":"X","message":"no"}}'), status(200)]);
    const result = await sendCallback(url, { data: 1, secret, ...fast });
    expect(result).toMatchObject({ ok: false, status: code });
    expect(result.attempts).toHaveLength(1);
    expect(result.attempts[0]?.body).toBe('{"error":{"code":"X","message":"no"}}');
    expect(received).toHaveLength(1);
  });

  it("treats a 3xx that is not followed as final and not delivered", async () => {
    const { url } = await receiver([status(304)]);
    const result = await sendCallback(url, { data: 1, secret, ...fast });
    expect(result).toMatchObject({ ok: false, status: 304 });
    expect(result.attempts).toHaveLength(1);
  });

  it("retries a connection reset", async () => {
    const { url, received } = await receiver([reset(), status(200)]);
    const result = await sendCallback(url, { data: 1, secret, ...fast });
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.attempts[0]).toMatchObject({ attempt: 1, outcome: "network-error", retryInMs: 5 });
    expect(result.attempts[0]?.status).toBeUndefined();
    expect(result.attempts[0]?.error).toMatch(/\S/);
    expect(received).toHaveLength(2);
  });

  it("retries a refused connection three times in all", async () => {
    const { url, server } = await receiver([status(200)]);
    server.close();
    await new Promise((resolve) => server.once("close", resolve));
    const result = await sendCallback(url, { data: 1, secret, ...fast });
    expect(result).toMatchObject({ ok: false, status: undefined });
    expect(result.attempts.map((a) => a.outcome)).toEqual(["network-error", "network-error", "network-error"]);
    expect(result.attempts[0]?.error).toMatch(/ECONNREFUSED/);
  });

  it("gives up after a response timeout without retrying", async () => {
    const { url, received } = await receiver([() => {}]);
    const result = await sendCallback(url, { data: 1, secret, responseTimeoutMs: 150, ...fast });
    expect(result).toMatchObject({ ok: false, status: undefined });
    expect(result.attempts).toHaveLength(1);
    expect(result.attempts[0]).toMatchObject({ outcome: "timeout", error: "no response within 150 ms" });
    expect(result.attempts[0]?.retryInMs).toBeUndefined();
    expect(received).toHaveLength(1);
  });

  it("counts a body that never ends as a response timeout", async () => {
    const { url } = await receiver([(res) => res.writeHead(200).write("partial")]);
    const result = await sendCallback(url, { data: 1, secret, responseTimeoutMs: 150, ...fast });
    expect(result.attempts).toEqual([expect.objectContaining({ outcome: "timeout" })]);
  });

  it("waits 0.5 s then 1 s by default, and tells each attempt as it ends", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const seen: SendAttempt[] = [];
    const waiting: Array<() => void> = [];
    const nextAttempt = () => new Promise<void>((resolve) => waiting.push(resolve));
    const fetch = vi.fn(async () => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("connect failed"), { code: "ECONNREFUSED" }),
      });
    });
    let attempted = nextAttempt();
    const sending = sendCallback("http://127.0.0.1:9/beam", {
      data: 1,
      secret,
      fetch,
      onAttempt: (attempt) => {
        seen.push(attempt);
        waiting.shift()?.();
      },
    });
    // Signing takes real time; the first wait starts once the first attempt is reported.
    await attempted;
    attempted = nextAttempt();
    await vi.advanceTimersByTimeAsync(499);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    await attempted;
    expect(fetch).toHaveBeenCalledTimes(2);
    attempted = nextAttempt();
    await vi.advanceTimersByTimeAsync(999);
    expect(fetch).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    await attempted;
    const result = await sending;
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(result.attempts.map((a) => a.retryInMs)).toEqual([500, 1000, undefined]);
    expect(result.attempts[0]?.error).toBe("fetch failed: connect failed (ECONNREFUSED)");
    expect(seen).toEqual(result.attempts);
  });

  it("uses the fetch it is given", async () => {
    const fetch = vi.fn(async (_url: string | URL | Request, init?: RequestInit) => {
      expect(init?.method).toBe("POST");
      return new Response("ok", { status: 202 });
    });
    const result = await sendCallback("https://receiver.invalid/beam", { data: 1, secret, fetch });
    expect(result).toMatchObject({ ok: true, status: 202 });
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("stops at once when its signal is already aborted", async () => {
    const fetch = vi.fn();
    const signal = AbortSignal.abort(new Error("stopped"));
    await expect(sendCallback("http://127.0.0.1:9/", { data: 1, secret, fetch, signal })).rejects.toThrow("stopped");
    expect(fetch).not.toHaveBeenCalled();
  });

  it("stops when its signal is aborted", async () => {
    const { url } = await receiver([() => {}]);
    const controller = new AbortController();
    const sending = sendCallback(url, { data: 1, secret, signal: controller.signal, ...fast });
    setTimeout(() => controller.abort(new Error("stopped")), 50);
    await expect(sending).rejects.toThrow("stopped");
  });

  it.each([
    ["not a url", /is not a URL/],
    ["/relative", /is not a URL/],
    ["ftp://example.com/", /http:\/\/ or https:\/\//],
  ])("refuses %s before sending", async (url, message) => {
    const fetch = vi.fn();
    await expect(sendCallback(url, { data: 1, secret, fetch })).rejects.toThrow(message);
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe("deliverCallback", () => {
  it("sends the given bytes and headers unchanged on every attempt, with Beam's retries", async () => {
    const { url, received } = await receiver([status(503), status(200, '{"received":true,"duplicate":true}')]);
    // Not valid UTF-8 and not JSON: the bytes must still arrive exactly.
    const body = new Uint8Array([0x7b, 0xff, 0x00, 0xc3, 0x28, 0x7d]);
    const headers: Array<[string, string]> = [
      ["X-Task-ID", "task-9"],
      ["X-Task-Status", "COMPLETE"],
      ["X-Custom", "kept"],
    ];
    const result = await deliverCallback(url, { headers, body, ...fast });
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.attempts.map((attempt) => attempt.status)).toEqual([503, 200]);
    expect(result.attempts[1]?.body).toBe('{"received":true,"duplicate":true}');
    expect(received).toHaveLength(2);
    for (const request of received) {
      expect(request.method).toBe("POST");
      expect([...request.body]).toEqual([...body]);
      expect(request.headers).toMatchObject({ "x-task-id": "task-9", "x-task-status": "COMPLETE", "x-custom": "kept" });
    }
  });

  it("rejects a URL that is not http(s) before sending anything", async () => {
    await expect(deliverCallback("ftp://example.com/", { headers: {}, body: "" })).rejects.toThrow(
      /http:\/\/ or https/,
    );
  });
});
