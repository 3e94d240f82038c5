import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createTestCallback } from "@taskhook/core";
import { createCallbackProcessor, DEFAULT_TASK_RECORD_TTL_MS } from "@taskhook/core/adapter";
import { type FakeBeamApiServer, type FakeTask, startFakeBeamApi } from "@taskhook/reconcile/testing";
import { redisStore } from "@taskhook/redis";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { redisForTests, redisSuite } from "../../../test-support/redis.mjs";
import { cleanup, run, startListen } from "./helpers.js";

const workspaceId = "ws-cli";
const token = "tok_cli";
const secret = "sk_cli_reconcile";
const MIN = 60_000;
let beam: FakeBeamApiServer;
// $REDIS_URL, else a redis-server of our own; none skips the --redis test (CI=true fails instead).
const redis = await redisForTests();
afterAll(() => redis?.server?.stop());

beforeEach(async () => {
  beam = await startFakeBeamApi({ workspaceId, token });
});
afterEach(async () => {
  await cleanup();
  await beam.close();
});

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
function task(n: number, status: FakeTask["status"], extra: Partial<FakeTask> = {}): FakeTask {
  const createdAt = Date.now() - 30 * MIN - n * 1000;
  return { id: uuid(n), status, createdAt, startedAt: createdAt + 100, endedAt: createdAt + 5000, ...extra };
}
const api = ["--workspace", workspaceId, "--token", token];

describe("taskhook reconcile", () => {
  it("--dry-run lists the finished tasks with why Beam did not send, text or JSON", async () => {
    beam.add(
      task(1, "EXPIRED", { startedAt: undefined, failureReason: "worker_capacity_timeout" }),
      task(2, "COMPLETE", { result: { n: 2 } }),
      task(3, "RUNNING"),
    );
    const text = await run(["reconcile", "--api-url", beam.url, ...api, "--since", "2h", "--dry-run"]);
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/no --redis/);
    expect(text.stdout).toMatch(new RegExp(`${uuid(1)} +EXPIRED .*worker_capacity_timeout`));
    expect(text.stdout).toMatch(new RegExp(`${uuid(2)} +COMPLETE`));
    expect(text.stdout).not.toContain(uuid(3));
    expect(text.stdout).toContain("2 finished tasks without a handled callback");

    const json = await run(["reconcile", "--api-url", beam.url, ...api, "--dry-run", "--json"], {
      env: { BEAM_TOKEN: token },
    });
    const lines = json.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toContainEqual(expect.objectContaining({ taskId: uuid(2), status: "COMPLETE", stub: "default" }));
    expect(lines).toHaveLength(2);
  });

  it("--json prints each missing task with its stored result", async () => {
    beam.add(task(1, "COMPLETE", { result: { caption: "a cat" } }), task(2, "TIMEOUT"));
    const { code, stdout } = await run(["reconcile", "--api-url", beam.url, ...api, "--json"]);
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toContainEqual(expect.objectContaining({ taskId: uuid(1), data: { caption: "a cat" } }));
    expect(lines).toContainEqual(expect.objectContaining({ taskId: uuid(2), status: "TIMEOUT", data: null }));
  });

  it("--to --all delivers signed callbacks a verifying receiver accepts", async () => {
    beam.add(task(1, "COMPLETE", { result: { n: 1 } }), task(2, "ERROR", { result: { error: "boom" } }));
    const listen = await startListen(["--json", "--secret", secret]);
    const sent = await run(["reconcile", "--api-url", beam.url, ...api, "--to", listen.url, "--all"], {
      env: { TASKHOOK_SECRET: secret },
    });
    expect(sent.stdout).toContain("2 of 2 delivered");
    expect(sent.code).toBe(0);
    const received = [await listen.json(0), await listen.json(1)];
    expect(received).toContainEqual(
      expect.objectContaining({ ok: true, taskId: uuid(2), status: "ERROR", data: { error: "boom" } }),
    );
    expect(received).toContainEqual(expect.objectContaining({ ok: true, taskId: uuid(1), data: { n: 1 } }));
  });

  it("says what is wrong on the command line", async () => {
    const cases: Array<[string[], RegExp, Record<string, string>?]> = [
      [["--dry-run"], /no workspace: pass --workspace/],
      [[...api], /--dry-run, --to URL or --json/],
      [[...api, "--to", "http://127.0.0.1:9/"], /--to without --redis/],
      [[...api, "--dry-run", "--since", "soon"], /--since must be a duration/],
      [["--workspace", workspaceId, "--dry-run"], /no API token/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await run(["reconcile", ...args], { env: { BEAM_TOKEN: "", BEAM_WORKSPACE_ID: "" } });
      expect(stderr).toMatch(message);
      expect(code).toBe(2);
    }
    const wrong = await run([
      "reconcile",
      "--api-url",
      beam.url,
      "--workspace",
      workspaceId,
      "--token",
      "nope",
      "--dry-run",
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/401: check the token/);
  });

  describe("with --redis, against a receiver sharing the store", redisSuite(redis), () => {
    it("lists and delivers only what the receiver never handled, each once", async () => {
      const redisUrl = redis?.url as string;
      const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      const prefix = `taskhook-cli-${process.pid}:`;
      const handled = new Map<string, number>();
      const processor = createCallbackProcessor({
        secret,
        taskRecordTtlMs: DEFAULT_TASK_RECORD_TTL_MS,
        idempotency: redisStore({ client, prefix }),
        onCallback: (cb) => void handled.set(cb.taskId, (handled.get(cb.taskId) ?? 0) + 1),
      });
      const receiver = createHttpServer((req, res) => {
        processor.process({ method: req.method, headers: req.headers, body: req }).then((answer) => {
          res.writeHead(answer.status, answer.headers).end(answer.body);
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
      const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/beam`;
      try {
        for (let n = 1; n <= 4; n++) beam.add(task(n, "COMPLETE", { result: { n } }));
        const first = await createTestCallback({ data: { n: 1 }, secret, taskId: uuid(1) });
        await fetch(receiverUrl, { method: "POST", headers: first.headers, body: first.body });
        const redisArgs = ["--api-url", beam.url, ...api, "--redis", redisUrl, "--redis-prefix", prefix];

        const dry = await run(["reconcile", ...redisArgs, "--dry-run", "--json"]);
        const listed = dry.stdout
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line).taskId);
        expect(listed.sort()).toEqual([uuid(2), uuid(3), uuid(4)]);

        const sent = await run(["reconcile", ...redisArgs, "--to", receiverUrl, "--secret", secret]);
        expect(sent.stdout).toContain("3 of 3 delivered");
        expect([...handled.values()]).toEqual([1, 1, 1, 1]);
        const again = await run(["reconcile", ...redisArgs, "--dry-run"]);
        expect(again.stdout).toContain("0 finished tasks without a handled callback");
      } finally {
        receiver.closeAllConnections();
        await new Promise((resolve) => receiver.close(resolve));
        client.disconnect();
      }
    });
  });
});
