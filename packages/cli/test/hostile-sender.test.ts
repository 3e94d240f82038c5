import { request } from "node:http";
import { createTestCallback, signCallback } from "@taskhook/core";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, startListen, startTarget } from "./helpers.js";

const secret = "sk_cli_test";
afterEach(cleanup);

// Any of these in a printed line lets the sender drive the terminal (or reorder what it shows).
const unsafe = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

/** POSTs with node:http, which (unlike fetch) sends `Connection` and any other header as given. */
function post(url: string, headers: Record<string, string>, body: string) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(url, { method: "POST", headers, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function headerMap(rawHeaders: string[] = []): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i < rawHeaders.length; i += 2)
    map.set(rawHeaders[i]?.toLowerCase() as string, rawHeaders[i + 1] as string);
  return map;
}

describe("taskhook listen --forward-to, against a hostile sender", () => {
  it("relays only X-Task-*, Content-Type and Content-Length; a Connection list cannot strip the signature", async () => {
    const target = await startTarget((_req, res) => res.end("ok"));
    const listen = await startListen(["--json", "--secret", secret, "--forward-to", target.url]);
    const { headers, body } = await createTestCallback({ data: { n: 1 }, secret });
    const sent = await post(
      listen.url,
      {
        ...headers,
        Authorization: "Bearer sender-token",
        Cookie: "session=sender",
        "X-Forwarded-Host": "evil.test",
        "X-Trace": "abc",
        Connection: "keep-alive, X-Task-Signature, X-Task-ID, Content-Type",
      },
      body,
    );
    expect(sent.status).toBe(200);
    const relayed = headerMap(target.received[0]?.rawHeaders);
    for (const [name, value] of Object.entries(headers)) expect(relayed.get(name.toLowerCase()), name).toBe(value);
    expect(relayed.get("content-length")).toBe(String(Buffer.byteLength(body)));
    expect([...relayed.keys()].sort()).toEqual(
      [
        "connection",
        "content-length",
        "content-type",
        "host",
        "x-task-id",
        "x-task-signature",
        "x-task-status",
        "x-task-timestamp",
      ].sort(),
    );
    expect(relayed.get("connection")).not.toMatch(/x-task/i);
  });

  it("never prints the target URL's credentials or query, nor sends them back in 502 FORWARD_FAILED", async () => {
    const target = await startTarget((_req, res) => res.end());
    await new Promise((resolve) => target.server.close(resolve));
    const forwardTo = `http://relay-user:relay-pass@127.0.0.1:${target.port}/hook?token=relay-token`;
    const listen = await startListen(["--secret", secret, "--forward-to", forwardTo]);
    const { headers, body } = await createTestCallback({ data: 1, secret });
    const response = await post(listen.url, headers, body);
    expect(response.status).toBe(502);
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: "FORWARD_FAILED" } });
    const printed = [response.text, listen.stderr(), await listen.line(0)].join("\n");
    expect(printed).toContain(`http://***@127.0.0.1:${target.port}/hook?***`);
    for (const secretPart of ["relay-user", "relay-pass", "relay-token"]) expect(printed).not.toContain(secretPart);
  });

  it("sends the target URL's own credentials, not the sender's Authorization", async () => {
    const target = await startTarget((_req, res) => res.end());
    const forwardTo = target.url.replace("http://", "http://relay-user:relay-pass@");
    const listen = await startListen(["--json", "--secret", secret, "--forward-to", forwardTo]);
    const { headers, body } = await createTestCallback({ data: 1, secret });
    expect((await post(listen.url, { ...headers, Authorization: "Bearer sender-token" }, body)).status).toBe(200);
    const expected = `Basic ${Buffer.from("relay-user:relay-pass").toString("base64")}`;
    expect(headerMap(target.received[0]?.rawHeaders).get("authorization")).toBe(expected);
  });
});

describe("taskhook listen output, against a hostile sender", () => {
  const hostile = "a\x1b[2J\x1b]0;owned\x07\r\x9b31m\u202eevil\u2066\u200bz";

  it("escapes C0, C1 and bidi characters from the data in text lines", async () => {
    const listen = await startListen(["--secret", secret]);
    const { headers, body } = await createTestCallback({ data: { note: hostile }, secret });
    expect((await post(listen.url, headers, body)).status).toBe(200);
    const line = await listen.line(0);
    expect(line).not.toMatch(unsafe);
    expect(line).toContain("\\u001b[2J");
    expect(line).toContain("\\u009b31m");
    expect(line).toContain("\\u202eevil");
  });

  it("keeps JSON lines valid JSON with the same data, with no raw C1 or bidi character", async () => {
    const listen = await startListen(["--json", "--secret", secret]);
    const { headers, body } = await createTestCallback({ data: { note: hostile }, secret });
    expect((await post(listen.url, headers, body)).status).toBe(200);
    const line = await listen.line(0);
    expect(line).not.toMatch(unsafe);
    expect(JSON.parse(line)).toMatchObject({ ok: true, data: { note: hostile } });
  });

  it("escapes V8's snippet of a signed body that is not JSON (raw escape sequences in it)", async () => {
    const listen = await startListen(["--secret", secret]);
    const body = "\x1b[8m\x1b]8;;http://evil.test\x07click\u202e";
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = await signCallback({ body, secret, timestamp });
    const headers = {
      "Content-Type": "application/json",
      "X-Task-ID": "task-1",
      "X-Task-Status": "COMPLETE",
      ...signature,
    };
    expect((await post(listen.url, headers, body)).status).toBe(400);
    const line = await listen.line(0);
    expect(line).toContain("INVALID_BODY");
    expect(line).not.toMatch(unsafe);
    expect(line).toContain("\\u001b[8m");
  });
});
