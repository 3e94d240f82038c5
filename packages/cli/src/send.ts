import { randomUUID } from "node:crypto";
import { type DeliveryResult, type SendAttempt, sendCallback } from "@taskhook/core";
import { isRetriedStatus } from "@taskhook/core/adapter";
import pc from "picocolors";
import { colorHttp, colorStatus, duration, preview } from "./format.js";
import {
  callbackOptions,
  exitCodes,
  exitCodesHelp,
  parse,
  parseUrl,
  readCallbackOptions,
  UsageError,
} from "./options.js";
import { writeLine } from "./terminal.js";

const sendHelp = `Usage: taskhook send URL [options]

Sends URL a callback exactly as Beam does: the same bytes and headers, signed once, up to
3 attempts 0.5 s then 1 s apart, retried on network errors and HTTP 408, 425, 429 and 5xx;
any other status is final, and a request unanswered after 30 s is not retried.
Prints each attempt and the final status.

Options:
  --secret S          signing key, sk_ prefix included (default: $TASKHOOK_SECRET)
  --data JSON         the task's return value (default: {})
  --data-file PATH    read the return value as JSON from a file, - for stdin
  --status STATUS     X-Task-Status (default: COMPLETE)
  --task-id ID        X-Task-ID (default: a random UUID)
  --timestamp N       Unix seconds to sign with (default: now; an old one tests replay checks)
  --json              print the result as one JSON object
  -h, --help          show this help

${exitCodesHelp}

Example:
  taskhook send http://127.0.0.1:3000/beam --secret sk_test --data '{"result": 10}'`;

export async function sendCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, callbackOptions, true);
  if (values.help) {
    process.stdout.write(`${sendHelp}\n`);
    return exitCodes.ok;
  }
  if (positionals.length > 1) throw new UsageError(`expected one URL, got ${positionals.length} arguments`);
  const url = parseUrl(positionals[0], "URL");
  const { secret, status, timestamp, data, ...given } = await readCallbackOptions(values);
  const taskId = given.taskId ?? randomUUID();
  const json = values.json === true;

  const out = (line: string) => writeLine(process.stdout, line);
  if (!json) out(`${pc.bold("POST")} ${url.href}  ${pc.dim("task")} ${taskId} ${colorStatus(status)}`);
  const result = await sendCallback(url, {
    data,
    secret,
    status,
    taskId,
    ...(timestamp === undefined ? {} : { timestamp }),
    ...(json ? {} : { onAttempt: (attempt: SendAttempt) => out(describeAttempt(attempt)) }),
  });

  const { callback, attempts } = result;
  if (json) {
    out(
      JSON.stringify({
        ok: result.ok,
        status: result.status ?? null,
        taskId: callback.taskId,
        taskStatus: callback.headers["X-Task-Status"],
        timestamp: callback.timestamp,
        attempts,
      }),
    );
  } else {
    out(outcomeLine(result));
  }
  return result.ok ? exitCodes.ok : exitCodes.failed;
}

/** The last line of `send` and `replay`: delivered or not, and why. */
export function outcomeLine(result: DeliveryResult): string {
  const { attempts } = result;
  const tries = `${attempts.length} attempt${attempts.length === 1 ? "" : "s"}`;
  if (result.ok) return `${pc.green("✓ delivered")}: HTTP ${result.status} after ${tries}`;
  return `${pc.red("✗ not delivered")} after ${tries}: ${whyFailed(attempts.at(-1) as SendAttempt)}`;
}

/** One attempt, as `send` and `replay` print it. */
export function describeAttempt(attempt: SendAttempt): string {
  const parts = [`  attempt ${attempt.attempt}`];
  if (attempt.outcome === "response") {
    parts.push(colorHttp(attempt.status as number), pc.dim(duration(attempt.durationMs)));
    if (attempt.redirectedTo !== undefined) parts.push(pc.dim(`(redirected to ${attempt.redirectedTo})`));
    if (attempt.body) parts.push(pc.dim(preview(attempt.body, 100)));
  } else {
    parts.push(pc.red(attempt.outcome), pc.dim(duration(attempt.durationMs)), attempt.error ?? "");
  }
  if (attempt.retryInMs !== undefined) parts.push(pc.yellow(`-> retrying in ${duration(attempt.retryInMs)}`));
  return parts.join("  ");
}

function whyFailed(last: SendAttempt): string {
  if (last.outcome === "timeout") return `${last.error} (Beam does not retry a timeout)`;
  if (last.outcome === "network-error" && /bad port/.test(last.error ?? "")) {
    return "fetch refuses this port (a blocked port in the Fetch standard); use another one";
  }
  if (last.outcome === "network-error") return `no connection (${last.error})`;
  const status = last.status as number;
  let code = "";
  try {
    const parsed = JSON.parse(last.body ?? "") as { error?: { code?: unknown } };
    if (typeof parsed.error?.code === "string") code = ` ${parsed.error.code}`;
  } catch {}
  const final = isRetriedStatus(status) ? "" : " (Beam does not retry this status)";
  return `HTTP ${status}${code}${final}`;
}
