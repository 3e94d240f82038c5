// The examples' smoke tests share this: it runs an example's own `pnpm start` with a test key on a
// free port of 127.0.0.1, reads what it logs, and stops it with everything it started.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { sendCallback } from "@taskhook/core";
import { expect, test } from "vitest";

export interface RunningExample {
  /** The callback URL the example printed when it started listening. */
  url: string;
  /** The key it was started with (`TASKHOOK_SECRET`). */
  secret: string;
  /** Every line it has printed to stdout so far. */
  lines: string[];
  /** Resolves with the first stdout line containing `text`, waiting for it up to `timeoutMs`. */
  waitForLine(text: string, timeoutMs?: number): Promise<string>;
  /** Stops the example and every process it started; resolves once they are gone. */
  stop(): Promise<void>;
}

// Preloaded into every Node process of the example, so that none outlives a test runner that died
// before it could call stop().
const lifetimeLimit = new URL("./smoke-lifetime.mjs", import.meta.url).href;

export async function startExample(directory: URL, secret = "sk_smoke_test"): Promise<RunningExample> {
  const child = spawn("pnpm", ["--silent", "start"], {
    cwd: fileURLToPath(directory),
    env: {
      ...process.env,
      TASKHOOK_SECRET: secret,
      PORT: "0",
      HOST: "127.0.0.1",
      NODE_OPTIONS: `--import=${lifetimeLimit}`,
    },
    // Its own process group, so stop() reaches pnpm, the shell and the server alike.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let stderr = "";
  const waiters = new Set<() => void>();
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  let exited = false;
  child.once("exit", () => {
    exited = true;
    for (const wake of waiters) wake();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    for (const wake of waiters) wake();
  });
  const killGroup = () => signalGroup(child, "SIGKILL");
  process.once("exit", killGroup);

  const stop = async () => {
    process.off("exit", killGroup);
    signalGroup(child, "SIGTERM");
    const timer = setTimeout(killGroup, 3000);
    await closed;
    clearTimeout(timer);
  };

  const waitForLine = (text: string, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = lines.find((candidate) => candidate.includes(text));
        if (line !== undefined || exited) {
          clearTimeout(timer);
          waiters.delete(check);
          if (line !== undefined) resolve(line);
          else reject(new Error(`the example exited before printing "${text}"${output()}`));
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no line with "${text}" within ${timeoutMs} ms${output()}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const output = () => `\nstdout:\n${lines.join("\n")}\nstderr:\n${stderr}`;

  try {
    const listening = await waitForLine("listening on http://", 20_000);
    const url = /http:\/\/\S+/.exec(listening)![0];
    return { url, secret, lines, waitForLine, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

/**
 * The smoke test every runnable example shares: its `pnpm start` logs a verified callback as
 * one line and logs nothing for a callback signed with another key.
 */
export function defineSmokeTest(testFileUrl: string): void {
  test("`pnpm start` logs each verified callback, and only those", { timeout: 30_000 }, async () => {
    const example = await startExample(new URL("..", testFileUrl));
    try {
      const sent = await sendCallback(example.url, { secret: example.secret, taskId: "smoke-1", data: { result: 10 } });
      expect(sent.status).toBe(200);
      expect(await example.waitForLine("smoke-1")).toBe('callback smoke-1 COMPLETE {"result":10}');

      const forged = await sendCallback(example.url, { secret: "sk_someone_else", taskId: "smoke-2", data: {} });
      expect(forged.status).toBe(401);
    } finally {
      await example.stop();
    }
    expect(example.lines.join("\n")).not.toContain("smoke-2");
  });
}
