import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadVectors, packagedVectorsPath, type Vector } from "@taskhook/conformance";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { formatCapture } from "../src/capture.js";
import { cleanup, run, startListen } from "./helpers.js";

// The repository's one copy of the independent vectors (shipped by @taskhook/conformance).
const vectors = loadVectors(packagedVectorsPath).vectors;
const vector = (name: string) => vectors.find((v) => v.name === name) as Vector;
const dir = mkdtempSync(join(tmpdir(), "taskhook-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(cleanup);

function headersOf(v: Vector): Array<[string, string]> {
  return [
    ["Content-Type", v.content_type],
    ["X-Task-ID", v.task_id],
    ["X-Task-Status", v.status],
    ["X-Task-Timestamp", String(v.timestamp)],
    ["X-Task-Signature", v.signature],
  ];
}

/** A capture file as `listen --record` writes it, received `late` seconds after signing. */
function capture(v: Vector, body: Uint8Array | string = Buffer.from(v.body_base64, "base64"), late = 1): string {
  const path = join(dir, `${v.name}-${Math.random().toString(36).slice(2)}.json`);
  const text = formatCapture({
    receivedAt: new Date((v.timestamp + late) * 1000),
    method: "POST",
    url: "/beam",
    headers: [["Host", "127.0.0.1:4000"], ...headersOf(v)],
    body: typeof body === "string" ? new TextEncoder().encode(body) : body,
  });
  writeFileSync(path, text);
  return path;
}

const json = (stdout: string) => JSON.parse(stdout) as { ok: boolean; code: string | null; diagnosis: unknown[] };

describe("taskhook verify", () => {
  it("verifies a recorded callback at the time it was received -> exit 0", async () => {
    const v = vector("unicode-escaped");
    const result = await run(["verify", capture(v), "--secret", v.secret, "--json"]);
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toMatchObject({ ok: true, code: null, diagnosis: [], taskId: v.task_id });
  });

  it("a re-serialized body -> exit 1, INVALID_SIGNATURE, BODY_RESERIALIZED", async () => {
    const v = vector("nested");
    const result = await run(["verify", capture(v, JSON.stringify(JSON.parse(v.body_utf8))), "--json"], {
      env: { TASKHOOK_SECRET: v.secret },
    });
    expect(result.code).toBe(1);
    expect(json(result.stdout)).toEqual({
      ok: false,
      code: "INVALID_SIGNATURE",
      message: expect.any(String),
      diagnosis: [{ reason: "BODY_RESERIALIZED", message: expect.stringContaining("raw request bytes") }],
    });
  });

  it("reads a capture on stdin: the key without sk_ -> SECRET_PREFIX", async () => {
    const v = vector("result-int");
    const result = await run(["verify", "--secret", v.secret.slice(3), "--json"], {
      input: readFileSync(capture(v), "utf8"),
    });
    expect(result.code).toBe(1);
    expect(json(result.stdout).diagnosis).toEqual([{ reason: "SECRET_PREFIX", message: expect.any(String) }]);
  });

  it("a capture received an hour after signing -> TIMESTAMP_EXPIRED with CLOCK_SKEW", async () => {
    const v = vector("padding-2");
    const result = await run(["verify", capture(v, undefined, 3600), "--secret", v.secret, "--json"]);
    expect(result.code).toBe(1);
    expect(json(result.stdout)).toMatchObject({
      code: "TIMESTAMP_EXPIRED",
      diagnosis: [{ reason: "CLOCK_SKEW", message: expect.stringContaining("3600 s before") }],
    });
  });

  it.each([
    ["bad-no-colon", "SCHEME_NO_COLON"],
    ["bad-timestamp-first", "SCHEME_TIMESTAMP_FIRST"],
    ["bad-urlsafe-base64", "SCHEME_URLSAFE_BASE64"],
  ])("--headers and --body: %s -> %s", async (name, reason) => {
    const v = vector(name);
    const headers = join(dir, `${name}.headers`);
    const body = join(dir, `${name}.body`);
    const lines = headersOf(v).map(([key, value]) => `${key}: ${value}`);
    writeFileSync(headers, `POST /beam HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`);
    writeFileSync(body, Buffer.from(v.body_base64, "base64"));
    const args = ["verify", "--headers", headers, "--body", body, "--secret", v.secret, "--now", String(v.timestamp)];
    const result = await run([...args, "--json"]);
    expect(result.code).toBe(1);
    expect(json(result.stdout).diagnosis).toEqual([{ reason, message: expect.any(String) }]);

    const human = await run(args);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(
      new RegExp(`^refused {2}401 INVALID_SIGNATURE .*\\(signing key [0-9a-f]{8}\\)\\n {2}${reason} {2}\\S`),
    );
    expect(human.stdout).not.toContain(v.secret.slice(3, 15));
  });

  it.each([
    [
      "a file that is no capture",
      (path: string) => writeFileSync(path, '{"hello": 1}'),
      "is not a taskhook capture file",
    ],
    ["a missing file", () => {}, "cannot read"],
  ])("%s -> exit 2 with one line", async (_, make, text) => {
    const path = join(dir, `bad-${Math.random()}.json`);
    make(path);
    const result = await run(["verify", path, "--secret", "sk_x"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(text);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("--headers without --body -> exit 2", async () => {
    const result = await run(["verify", "--headers", "/dev/null", "--secret", "sk_x"]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toContain("--headers and --body go together");
  });
});

describe("taskhook listen says why it refused", () => {
  it("prints the key's fingerprint, never the key, and each refusal's diagnosis", async () => {
    const v = vector("result-int");
    const listen = await startListen(["--json", "--secret", v.secret.slice(3)]);
    expect(listen.stderr()).toMatch(/\(signing key [0-9a-f]{8}; Ctrl-C to stop\)/);
    expect(listen.stderr()).toContain("does not start with sk_");
    expect(listen.stderr()).not.toContain(v.secret.slice(3, 15));
    const response = await fetch(listen.url, {
      method: "POST",
      headers: Object.fromEntries(headersOf(v)),
      body: Buffer.from(v.body_base64, "base64"),
    });
    expect(response.status).toBe(401);
    // The vector was signed in 2025: listen's clock finds it stale, and says both why.
    expect(await listen.json(0)).toEqual({
      ok: false,
      code: "TIMESTAMP_EXPIRED",
      message: expect.any(String),
      diagnosis: [
        { reason: "SECRET_PREFIX", message: expect.stringContaining("lacks the sk_ prefix") },
        { reason: "CLOCK_SKEW", message: expect.stringContaining("s before this server's clock") },
      ],
    });
    await listen.stop();
  });
});
