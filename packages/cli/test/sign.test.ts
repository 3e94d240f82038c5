import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { createVerifier } from "@taskhook/core";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, run, startListen } from "./helpers.js";

const secret = "sk_cli_test";
afterEach(cleanup);

describe("taskhook sign", () => {
  it("prints headers and a body that core verifies", async () => {
    const data = { result: 10, caption: "café" };
    const signed = await run([
      "sign",
      "--json",
      "--secret",
      secret,
      "--data",
      JSON.stringify(data),
      "--status",
      "TIMEOUT",
      "--task-id",
      "task-3",
    ]);
    expect(signed.code).toBe(0);
    const { headers, body, curl } = JSON.parse(signed.stdout);
    expect(body).toBe('{"data": {"result": 10, "caption": "caf\\u00e9"}}');
    const callback = await createVerifier({ secret }).verify({ headers, body });
    expect(callback).toMatchObject({ taskId: "task-3", status: "TIMEOUT", data });
    expect(curl).toMatch(/^curl -sS -X POST http:\/\/127\.0\.0\.1:4000\/ -H 'Content-Type: application\/json'/);
  });

  it("signs with --timestamp, so the same input gives the same signature", async () => {
    const args = ["sign", "--json", "--secret", secret, "--task-id", "t", "--timestamp", "1764230400"];
    const [a, b] = await Promise.all([run(args), run(args)]);
    const first = JSON.parse(a.stdout);
    expect(first.headers["X-Task-Timestamp"]).toBe("1764230400");
    expect(first.body).toBe('{"data": {}}');
    expect(JSON.parse(b.stdout)).toEqual(first);
    const verifier = createVerifier({ secret, now: () => 1764230400_000 });
    await expect(verifier.verify({ headers: first.headers, body: first.body })).resolves.toMatchObject({ data: {} });
  });

  it("prints readable sections ending in a curl command", async () => {
    const signed = await run(["sign", "--secret", secret, "--data", '{"a": "it\'s"}', "--url", "http://127.0.0.1:9/x"]);
    const lines = signed.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("# headers");
    expect(lines).toContain("# body");
    expect(lines).toContain(`{"data": {"a": "it's"}}`);
    expect(lines.at(-2)).toBe("# curl");
    expect(lines.at(-1)).toContain(`--data-binary '{"data": {"a": "it'\\''s"}}'`);
  });

  it.skipIf(!existsSync("/usr/bin/curl"))("prints a curl command that taskhook listen accepts", async () => {
    const listen = await startListen(["--json", "--secret", secret]);
    const data = { quote: 'it\'s "fine"', accents: "é" };
    const signed = await run(["sign", "--secret", secret, "--data", JSON.stringify(data), "--url", listen.url]);
    const curl = signed.stdout.trimEnd().split("\n").at(-1) as string;
    const { stdout } = await promisify(execFile)("sh", ["-c", curl]);
    expect(JSON.parse(stdout)).toEqual({ received: true });
    expect(await listen.json(0)).toMatchObject({ ok: true, data });
  });
});
