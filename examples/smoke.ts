// The examples' smoke tests share this: it runs an example's own `pnpm start` with a test key on a
// free port of 127.0.0.1, reads what it logs, sends it callbacks the way Beam does, and stops it
// with everything it started.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { sendCallback } from "@taskhook/core";
import { DEFAULT_MAX_BODY_BYTES } from "@taskhook/core/adapter";
import { describe, expect, test } from "vitest";

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

/** How to start an example and find its callback URL. */
export interface ExampleOptions {
  /** `TASKHOOK_SECRET`; default `sk_smoke_test`. */
  secret?: string;
  /**
   * The stdout line that says it listens, and the path of the callback under the URL on that
   * line. Default: `listening on http://...`, the URL being the callback's.
   */
  ready?: { text: string; path?: string };
  /** A package script to run to completion before `start`, with the same environment (Next's `next build`). */
  build?: string;
  /** How long starting (and building) may take; default 20 s. */
  startTimeoutMs?: number;
}

/** A command to run as a child process, seen through its stdout lines. */
export interface ProcessSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** The line that says it is ready, and the path to add to the URL on that line. */
  ready?: { text: string; path?: string };
  startTimeoutMs?: number;
}

// Preloaded into every Node process of the example, so that none outlives a test runner that died
// before it could call stop().
const lifetimeLimit = new URL("./smoke-lifetime.mjs", import.meta.url).href;

export async function startExample(directory: URL, options: ExampleOptions = {}): Promise<RunningExample> {
  const secret = options.secret ?? "sk_smoke_test";
  const cwd = fileURLToPath(directory);
  const env = { TASKHOOK_SECRET: secret, PORT: "0", HOST: "127.0.0.1" };
  // A build ends by itself, and may take longer than the servers' lifetime limit.
  if (options.build !== undefined) await runToCompletion("pnpm", ["--silent", options.build], cwd, env);
  const spec = {
    command: "pnpm",
    args: ["--silent", "start"],
    cwd,
    env: { ...env, NODE_OPTIONS: `--import=${lifetimeLimit}` },
    ...options,
  };
  return { ...(await startProcess(spec)), secret };
}

/**
 * Starts `command` in its own process group, waits for its ready line and returns the URL on it;
 * `stop()` ends the whole group (pnpm, a shell, the runtime alike).
 */
export async function startProcess(spec: ProcessSpec): Promise<Omit<RunningExample, "secret">> {
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    detached: true,
    // stdin stays open for the child's life and closes when this process ends, however it ends.
    stdio: ["pipe", "pipe", "pipe"],
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
          else reject(new Error(`${spec.command} exited before printing "${text}"${output()}`));
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
    const ready = spec.ready ?? { text: "listening on http://" };
    const line = await waitForLine(ready.text, spec.startTimeoutMs ?? 20_000);
    const printed = /https?:\/\/[^\s/]+(\/\S*)?/.exec(line)?.[0];
    if (printed === undefined) throw new Error(`no URL in "${line}"${output()}`);
    const url = ready.path === undefined ? printed : new URL(ready.path, printed).href;
    return { url, lines, waitForLine, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function runToCompletion(command: string, args: string[], cwd: string, env: Record<string, string>) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited with ${code}:\n${output}`)),
    );
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Whether a test that needs a runtime binary runs: with the binary, yes; without it, outside CI
 * the tests are skipped with one line saying why, and in CI they fail.
 */
export function requireRuntime(missing: Error | undefined): boolean {
  if (missing === undefined) return true;
  const ci = (process.env.CI ?? "").toLowerCase();
  if (ci !== "" && ci !== "0" && ci !== "false")
    throw new Error(`CI=true and a runtime is missing: ${missing.message}`);
  console.warn(`skipped: ${missing.message}`);
  return false;
}

/** How an example differs from the rest, for {@link defineSmokeTest}. */
export interface SmokeOptions extends ExampleOptions {
  /** Why the example's runtime cannot run here, from `missingRuntime`; its tests are then skipped (failed in CI). */
  runtime?: Error | undefined;
  /**
   * Why the runtime may reset the connection of an upload over the limit instead of answering
   * 413 (workerd does, at times, when the answer is ready before the body is sent); the case
   * then accepts that reset, never a 2xx.
   */
  resetsLargeUploads?: string;
}

/**
 * The smoke test every runnable example shares, on its own `pnpm start`: a verified callback is
 * logged as one line; a tampered, a stale, a forged one and one over the default body limit are
 * refused and never logged; Beam's retry of a delivered callback is answered as a duplicate and
 * logged once.
 */
export function defineSmokeTest(testFileUrl: string, options: SmokeOptions = {}): void {
  const timeout = 30_000 + (options.startTimeoutMs ?? 0);
  describe.runIf(requireRuntime(options.runtime))("smoke test", () => {
    test("`pnpm start` logs each verified callback, and only those", { timeout }, async () => {
      const example = await startExample(new URL("..", testFileUrl), options);
      try {
        await exerciseExample(example, options);
      } finally {
        await example.stop();
      }
      for (const refused of ["tampered", "stale", "forged", "too-large"]) {
        expect(example.lines.join("\n")).not.toContain(`smoke-${refused}`);
      }
      expect(example.lines.filter((line) => line.includes("smoke-valid"))).toHaveLength(1);
    });
  });
}

async function exerciseExample({ url, secret, waitForLine }: RunningExample, options: SmokeOptions): Promise<void> {
  // One attempt each: a 4xx is final for Beam anyway, and a 5xx must show as a failure here.
  const send = (taskId: string, data: unknown, extra: Partial<Parameters<typeof sendCallback>[1]> = {}) =>
    sendCallback(url, { secret, taskId, data, retryDelaysMs: [], ...extra });
  const answer = (sent: Awaited<ReturnType<typeof sendCallback>>) => ({
    status: sent.status,
    code: /"code":\s*"([A-Z_]+)"/.exec(sent.attempts[0]?.body ?? "")?.[1],
  });

  const timestamp = Math.floor(Date.now() / 1000);
  const valid = await send("smoke-valid", { result: 10 }, { timestamp });
  expect(valid.status).toBe(200);
  expect(await waitForLine("smoke-valid")).toBe('callback smoke-valid COMPLETE {"result":10}');

  // Beam's retry sends the same signed bytes again: accepted, and never logged a second time
  // (checked at the end). Most examples say `"duplicate": true`; a queue (bullmq) just drops it.
  const retry = await send("smoke-valid", { result: 10 }, { timestamp });
  expect(retry.status).toBe(200);

  const tamper = ((input: string | URL | Request, init?: RequestInit) =>
    fetch(input, { ...init, body: String(init?.body).replace('"result": 10', '"result": 99') })) as typeof fetch;
  expect(answer(await send("smoke-tampered", { result: 10 }, { fetch: tamper }))).toEqual({
    status: 401,
    code: "INVALID_SIGNATURE",
  });
  expect(answer(await send("smoke-stale", { result: 10 }, { timestamp: timestamp - 3600 }))).toEqual({
    status: 401,
    code: "TIMESTAMP_EXPIRED",
  });
  expect(answer(await send("smoke-forged", {}, { secret: "sk_someone_else" }))).toEqual({
    status: 401,
    code: "INVALID_SIGNATURE",
  });
  // `{"data": "xx..."}` with DEFAULT_MAX_BODY_BYTES x's is 12 bytes over the default limit.
  const tooLarge = await send("smoke-too-large", "x".repeat(DEFAULT_MAX_BODY_BYTES));
  const reset = tooLarge.attempts[0]?.outcome === "network-error" && options.resetsLargeUploads !== undefined;
  if (!reset) expect(answer(tooLarge)).toEqual({ status: 413, code: "BODY_TOO_LARGE" });
}
