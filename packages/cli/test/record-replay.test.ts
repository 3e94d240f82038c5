import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestCallback } from "@taskhook/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, run, startListen, startTarget } from "./helpers.js";

const secret = "sk_cli_test";
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "taskhook-record-"));
});
afterEach(async () => {
  await cleanup();
  await rm(dir, { recursive: true, force: true });
});

async function recorded(count: number): Promise<string[]> {
  for (let tries = 0; tries < 100; tries++) {
    const names = (await readdir(dir)).filter((name) => name.endsWith(".json")).sort();
    if (names.length >= count) return names.map((name) => join(dir, name));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`expected ${count} recorded files in ${dir}`);
}

describe("taskhook listen --record", () => {
  it("saves every request, verified or refused, with its exact headers and body, in arrival order", async () => {
    const listen = await startListen(["--json", "--secret", secret, "--record", dir]);
    const good = await createTestCallback({ data: { caption: "café ☕", n: 1 }, secret, taskId: "task-a" });
    const bad = await createTestCallback({ data: { n: 2 }, secret: "sk_other", taskId: "../../etc/passwd" });
    // Not JSON and not UTF-8: recorded byte for byte all the same.
    const binary = Buffer.from([0x7b, 0xff, 0x00, 0x7d]);
    await fetch(listen.url, { method: "POST", headers: { ...good.headers, "X-Trace": "t1" }, body: good.body });
    await fetch(listen.url, { method: "POST", headers: bad.headers, body: bad.body });
    await fetch(listen.url, { method: "POST", headers: good.headers, body: binary });
    await listen.line(2);

    const files = await recorded(3);
    expect(files.map((file) => file.slice(dir.length + 1))).toEqual([
      expect.stringMatching(/^\d{8}T\d{9}Z-000001-task-a\.json$/),
      expect.stringMatching(/^\d{8}T\d{9}Z-000002-etc_passwd\.json$/),
      expect.stringMatching(/^\d{8}T\d{9}Z-000003-task-a\.json$/),
    ]);
    const first = JSON.parse(await readFile(files[0] as string, "utf8"));
    // The sender's spelling and order of header names are kept.
    expect(first).toMatchObject({ taskhook: "callback", version: 1, method: "POST", url: "/" });
    expect(Buffer.from(first.bodyBase64, "base64").toString("utf8")).toBe(good.body);
    expect(first.headers).toEqual(
      expect.arrayContaining([
        ["X-Task-ID", "task-a"],
        ["X-Task-Signature", good.headers["X-Task-Signature"]],
        ["X-Trace", "t1"],
      ]),
    );
    // taskhook verify reads the same files, at the time each was received.
    const verified = await run(["verify", files[0] as string, "--secret", secret, "--json"]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, taskId: "task-a" });
    const refused = await run(["verify", files[1] as string, "--secret", secret, "--json"]);
    expect(refused.code).toBe(1);
    // The same refusal listen gave it (the task id is not a valid X-Task-ID).
    expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, code: (await listen.json(1)).code });
    const third = JSON.parse(await readFile(files[2] as string, "utf8"));
    expect([...Buffer.from(third.bodyBase64, "base64")]).toEqual([...binary]);
    expect(await listen.stop()).toBe(0);
  });
});

describe("taskhook replay", () => {
  it("re-sends a recording byte for byte: accepted once, then a duplicate", async () => {
    const recorder = await startListen(["--json", "--secret", secret, "--record", dir]);
    await run(["send", recorder.url, "--secret", secret, "--task-id", "task-r", "--data", '{"result": 10}']);
    const [file] = await recorded(1);

    const target = await startListen(["--json", "--secret", secret, "--path", "/beam"]);
    const first = await run(["replay", file as string, "--to", target.url]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`POST ${target.url}  task task-r COMPLETE  ${file}`);
    expect(first.stdout).toMatch(/attempt 1 {2}200 .*\{"received":true\}/);
    expect(first.stdout).toContain("✓ delivered: HTTP 200 after 1 attempt");
    expect(await target.json(0)).toMatchObject({ ok: true, taskId: "task-r", data: { result: 10 } });

    const again = await run(["replay", file as string, "--to", target.url, "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ file, ok: true, status: 200, taskId: "task-r" });
    expect(JSON.parse(again.stdout).attempts[0].body).toBe('{"received":true,"duplicate":true}');
    expect(await target.json(1)).toMatchObject({ ok: true, duplicate: true });
  });

  it("signs again with --resign, so a refused recording is accepted as a new callback", async () => {
    const recorder = await startListen(["--json", "--secret", secret, "--record", dir]);
    const stale = String(Math.floor(Date.now() / 1000) - 3600);
    await run(["send", recorder.url, "--secret", secret, "--timestamp", stale, "--task-id", "task-old"]);
    const [file] = await recorded(1);
    const target = await startListen(["--json", "--secret", secret]);

    const plain = await run(["replay", file as string, "--to", target.url]);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toContain("✗ not delivered after 1 attempt: HTTP 401 TIMESTAMP_EXPIRED");

    const resigned = await run(["replay", file as string, "--to", target.url, "--resign", "--json"], {
      env: { TASKHOOK_SECRET: secret },
    });
    expect(resigned.code).toBe(0);
    const result = JSON.parse(resigned.stdout);
    expect(result).toMatchObject({ ok: true, status: 200, taskId: "task-old" });
    expect(Math.abs(result.timestamp - Date.now() / 1000)).toBeLessThan(30);
    expect(await target.json(1)).toMatchObject({ ok: true, taskId: "task-old" });
  });

  it("retries like Beam and drops the recorded connection headers", async () => {
    const recorder = await startListen(["--json", "--secret", secret, "--record", dir]);
    await run(["send", recorder.url, "--secret", secret]);
    const [file] = await recorded(1);
    let calls = 0;
    const target = await startTarget((_req, res) => res.writeHead(++calls === 1 ? 503 : 200).end());
    const result = await run(["replay", file as string, "--to", target.url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/attempt 1 {2}503 .*-> retrying in 500 ms/);
    expect(target.received).toHaveLength(2);
    const names = target.received[0]?.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
    expect(names?.filter((name) => name === "host")).toHaveLength(1);
    expect(target.received[0]?.rawHeaders).toContain(`127.0.0.1:${target.port}`);
  });

  it("refuses a file that is not a recording, naming it", async () => {
    const file = join(dir, "other.json");
    await writeFile(file, '{"data": 1}');
    const result = await run(["replay", file, "--to", "http://127.0.0.1:9/"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file} is not a taskhook capture file`);
    const missing = await run(["replay", join(dir, "nope.json"), "--to", "http://127.0.0.1:9/"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");
    expect((await run(["replay", file])).stderr).toContain("--to is required");
  });
});
