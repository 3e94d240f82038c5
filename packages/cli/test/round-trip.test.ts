import { createTestCallback } from "@taskhook/core";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, run, startListen, startTarget } from "./helpers.js";

const secret = "sk_cli_test";
afterEach(cleanup);

describe("taskhook send into taskhook listen --json", () => {
  it("delivers, verifies and prints the callback", async () => {
    const listen = await startListen(["--json", "--path", "/beam", "--secret", secret]);
    expect(listen.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/beam$/);
    const data = { result: 10, caption: "café ☕" };
    const sent = await run([
      "send",
      listen.url,
      "--secret",
      secret,
      "--data",
      JSON.stringify(data),
      "--task-id",
      "task-1",
      "--status",
      "ERROR",
    ]);
    expect(sent.stderr).toBe("");
    expect(sent.code).toBe(0);
    expect(sent.stdout).toContain(`POST ${listen.url}  task task-1 ERROR`);
    expect(sent.stdout).toMatch(/attempt 1 {2}200 .*\{"received":true\}/);
    expect(sent.stdout).toContain("✓ delivered: HTTP 200 after 1 attempt");
    const line = await listen.json(0);
    expect(line).toEqual({ ok: true, taskId: "task-1", status: "ERROR", timestamp: expect.any(Number), data });
    expect(Math.abs((line.timestamp as number) - Date.now() / 1000)).toBeLessThan(30);
    expect(await listen.stop()).toBe(0);
  });

  it("prints JSON from send --json and takes the secret from TASKHOOK_SECRET", async () => {
    const listen = await startListen(["--json"], { TASKHOOK_SECRET: secret });
    const sent = await run(["send", listen.url, "--json", "--data-file", "-"], {
      env: { TASKHOOK_SECRET: secret },
      input: '{"rows": [1, 2]}',
    });
    expect(sent.code).toBe(0);
    const result = JSON.parse(sent.stdout);
    expect(result).toMatchObject({ ok: true, status: 200, taskStatus: "COMPLETE" });
    expect(result.attempts).toEqual([expect.objectContaining({ attempt: 1, outcome: "response", status: 200 })]);
    expect(await listen.json(0)).toMatchObject({ ok: true, taskId: result.taskId, data: { rows: [1, 2] } });
  });

  it("reports a wrong key, a stale timestamp and a wrong path, and send exits 1", async () => {
    const listen = await startListen(["--json", "--secret", secret]);
    const wrongKey = await run(["send", listen.url, "--secret", "sk_other"]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toContain(
      "✗ not delivered after 1 attempt: HTTP 401 INVALID_SIGNATURE (Beam does not retry this status)",
    );
    expect(await listen.json(0)).toMatchObject({ ok: false, code: "INVALID_SIGNATURE", message: expect.any(String) });

    const stale = String(Math.floor(Date.now() / 1000) - 3600);
    const old = await run(["send", listen.url, "--secret", secret, "--timestamp", stale, "--json"]);
    expect(old.code).toBe(1);
    expect(JSON.parse(old.stdout)).toMatchObject({ ok: false, status: 401 });
    expect(await listen.json(1)).toMatchObject({ ok: false, code: "TIMESTAMP_EXPIRED" });

    const elsewhere = await run(["send", new URL("/elsewhere", listen.url).href, "--secret", secret]);
    expect(elsewhere.code).toBe(1);
    expect(await listen.json(2)).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(Object.keys(await listen.json(2))).toEqual(["ok", "code", "message"]);
  });

  it("acknowledges a duplicate without processing it again", async () => {
    const listen = await startListen(["--json", "--secret", secret]);
    const { headers, body } = await createTestCallback({ data: { n: 1 }, secret });
    const first = await fetch(listen.url, { method: "POST", headers, body });
    const second = await fetch(listen.url, { method: "POST", headers, body });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await second.json()).toEqual({ received: true, duplicate: true });
    expect(await listen.json(0)).not.toHaveProperty("duplicate");
    expect(await listen.json(1)).toMatchObject({ ok: true, duplicate: true });
  });

  it("takes --max-body-bytes and --tolerance, like the adapters' options", async () => {
    const listen = await startListen(["--json", "--secret", secret, "--max-body-bytes", "2048", "--tolerance", "5"]);
    const now = Math.floor(Date.now() / 1000);
    const post = async (data: unknown, timestamp: number) => {
      const { headers, body } = await createTestCallback({ data, secret, timestamp });
      return (await fetch(listen.url, { method: "POST", headers, body })).status;
    };
    expect(await post("x".repeat(1000), now)).toBe(200);
    expect(await post("x".repeat(3000), now)).toBe(413);
    expect(await post(1, now - 60)).toBe(401);
    expect(await listen.json(1)).toMatchObject({ ok: false, code: "BODY_TOO_LARGE" });
    expect(await listen.json(2)).toMatchObject({ ok: false, code: "TIMESTAMP_EXPIRED" });
    const bad = await run(["listen", "--secret", secret, "--max-body-bytes", "16MiB"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-body-bytes must be a whole number >= 0; got "16MiB"');
  });

  it("accepts a 12 MiB callback by default and names the redirect for a GET carrying Beam's headers", async () => {
    const listen = await startListen(["--json", "--secret", secret]);
    const big = await createTestCallback({ data: "x".repeat(12 * 1024 * 1024), secret });
    expect((await fetch(listen.url, { method: "POST", headers: big.headers, body: big.body })).status).toBe(200);
    const { headers } = await createTestCallback({ data: {}, secret });
    const redirected = await fetch(listen.url, { method: "GET", headers });
    expect(redirected.status).toBe(405);
    expect(await listen.json(1)).toMatchObject({
      ok: false,
      code: "METHOD_NOT_ALLOWED",
      message: expect.stringMatching(/redirect/),
    });
  });

  it("prints a readable line per callback without --json", async () => {
    const listen = await startListen(["--secret", secret]);
    await run(["send", listen.url, "--secret", secret, "--task-id", "task-2", "--data", '{"result": 10}']);
    await run(["send", listen.url, "--secret", "sk_other"]);
    expect(await listen.line(0)).toMatch(/^\d\d:\d\d:\d\d {2}task-2 {2}COMPLETE {2}age -?\d+s {2}\{"result":10\}$/);
    expect(await listen.line(1)).toMatch(/^\d\d:\d\d:\d\d {2}rejected {2}401 INVALID_SIGNATURE {2}X-Task-Signature/);
  });

  it("retries a 5xx like Beam and stops at a 4xx", async () => {
    let calls = 0;
    const target = await startTarget((_req, res) => {
      calls++;
      res.writeHead(calls === 1 ? 503 : calls === 2 ? 200 : 400).end(calls === 1 ? "busy" : "");
    });
    const retried = await run(["send", target.url, "--secret", secret]);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(/attempt 1 {2}503 .* busy {2}-> retrying in 500 ms/);
    expect(retried.stdout).toMatch(/attempt 2 {2}200 /);
    expect(target.received[0]?.body.equals(target.received[1]?.body as Buffer)).toBe(true);

    const final = await run(["send", target.url, "--secret", secret]);
    expect(final.code).toBe(1);
    expect(final.stdout).toContain("✗ not delivered after 1 attempt: HTTP 400 (Beam does not retry this status)");
    expect(target.received).toHaveLength(3);
  });
});

describe("taskhook listen --forward-to", () => {
  it("relays the verified bytes and Beam's headers and answers with the target's reply", async () => {
    const target = await startTarget((_req, res) => res.writeHead(201, { "content-type": "text/plain" }).end("made"));
    const listen = await startListen(["--json", "--secret", secret, "--forward-to", target.url]);
    const { headers, body } = await createTestCallback({ data: { caption: "naïve", n: [1, 2] }, secret });
    const response = await fetch(listen.url, { method: "POST", headers: { ...headers, "X-Trace": "abc" }, body });
    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(await response.text()).toBe("made");

    const [relayed] = target.received;
    expect(relayed?.body.equals(Buffer.from(body))).toBe(true);
    const relayedHeaders = new Map<string, string>();
    for (let i = 0; i < (relayed?.rawHeaders.length ?? 0); i += 2) {
      relayedHeaders.set(relayed?.rawHeaders[i]?.toLowerCase() as string, relayed?.rawHeaders[i + 1] as string);
    }
    for (const [name, value] of Object.entries(headers))
      expect(relayedHeaders.get(name.toLowerCase()), name).toBe(value);
    expect(relayedHeaders.has("x-trace")).toBe(false);
    expect(relayedHeaders.get("content-length")).toBe(String(Buffer.byteLength(body)));
    expect(relayedHeaders.get("host")).toBe(`127.0.0.1:${target.port}`);
    expect(await listen.json(0)).toMatchObject({ ok: true, forward: { status: 201 } });
  });

  it("relays nothing that fails verification", async () => {
    const target = await startTarget((_req, res) => res.end());
    const listen = await startListen(["--json", "--secret", secret, "--forward-to", target.url]);
    const sent = await run(["send", listen.url, "--secret", "sk_other"]);
    expect(sent.code).toBe(1);
    expect(await listen.json(0)).toMatchObject({ ok: false, code: "INVALID_SIGNATURE" });
    expect(target.received).toHaveLength(0);
  });

  it("answers 5xx when the target fails, so a retry is relayed again", async () => {
    let calls = 0;
    const target = await startTarget((_req, res) => res.writeHead(++calls === 1 ? 500 : 200).end());
    const listen = await startListen(["--json", "--secret", secret, "--forward-to", target.url]);
    const sent = await run(["send", listen.url, "--secret", secret, "--json"]);
    expect(JSON.parse(sent.stdout).attempts.map((a: { status: number }) => a.status)).toEqual([500, 200]);
    expect(target.received).toHaveLength(2);
    expect(target.received[0]?.body.equals(target.received[1]?.body as Buffer)).toBe(true);
    expect(await listen.json(0)).toMatchObject({ ok: true, forward: { status: 500 } });
    expect(await listen.json(1)).toMatchObject({ ok: true, forward: { status: 200 } });
  });

  it("answers 502 FORWARD_FAILED when the target is unreachable", async () => {
    const target = await startTarget((_req, res) => res.end());
    await new Promise((resolve) => target.server.close(resolve));
    const listen = await startListen(["--json", "--secret", secret, "--forward-to", target.url]);
    const { headers, body } = await createTestCallback({ data: 1, secret });
    const response = await fetch(listen.url, { method: "POST", headers, body });
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: { code: "FORWARD_FAILED" } });
    expect(await listen.json(0)).toMatchObject({ ok: true, forward: { error: "ECONNREFUSED" } });
  });
});
