import { type DeliveryResult, deliverCallback, type SendAttempt, signCallback } from "@taskhook/core";
import pc from "picocolors";
import { type Capture, CaptureError, headerValue, readCapture, sendableHeaders } from "./capture.js";
import { colorStatus } from "./format.js";
import { exitCodes, exitCodesHelp, parse, parseUrl, resolveSecret, UsageError } from "./options.js";
import { describeAttempt, outcomeLine } from "./send.js";
import { writeLine } from "./terminal.js";

export const replayHelp = `Usage: taskhook replay FILE... --to URL [options]

Sends recorded callbacks (files from taskhook listen --record, or downloaded from its
inspector) to URL again, one after the other, as POST with Beam's retry policy: up to 3
attempts 0.5 s then 1 s apart, on network errors and HTTP 408, 425, 429 and 5xx.

By default the body and the signed headers go out byte for byte, as Beam's own retry would
send them: a receiver that deduplicates answers "duplicate", and one that checks timestamps
refuses an old recording. With --resign the body is signed again under a fresh timestamp,
so the handler runs again as for a new callback.

Options:
  --to URL            where to send (required)
  --resign            sign again with the current time and the signing key
  --secret S          signing key for --resign, sk_ prefix included (default: $TASKHOOK_SECRET)
  --json              print one JSON object per file
  -h, --help          show this help

${exitCodesHelp}

Example:
  taskhook replay recorded/*.json --to http://127.0.0.1:3000/beam`;

export async function replayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { to: { type: "string" }, resign: { type: "boolean" }, secret: { type: "string" }, json: { type: "boolean" } },
    true,
  );
  if (values.help) {
    process.stdout.write(`${replayHelp}\n`);
    return exitCodes.ok;
  }
  if (positionals.length === 0) throw new UsageError("name at least one recorded file to replay");
  const url = parseUrl(values.to, "--to");
  if (values.secret !== undefined && values.resign !== true)
    throw new UsageError("--secret is only used with --resign");
  const secret = values.resign === true ? resolveSecret(values.secret) : undefined;
  const captures: Array<[string, Capture]> = [];
  for (const file of positionals) captures.push([file, await readReplayable(file)]);

  const json = values.json === true;
  const out = (line: string) => writeLine(process.stdout, line);
  let allDelivered = true;
  for (const [file, capture] of captures) {
    const request = await replayRequest(capture, secret);
    const taskId = headerValue(request.headers, "x-task-id") ?? "(no X-Task-ID)";
    const status = headerValue(request.headers, "x-task-status") ?? "";
    if (!json)
      out(`${pc.bold("POST")} ${url.href}  ${pc.dim("task")} ${taskId} ${colorStatus(status)}  ${pc.dim(file)}`);
    const result = await deliverCallback(url, {
      ...request,
      ...(json ? {} : { onAttempt: (attempt: SendAttempt) => out(describeAttempt(attempt)) }),
    });
    allDelivered &&= result.ok;
    out(json ? JSON.stringify(replayJson(file, taskId, status, request, result)) : outcomeLine(result));
  }
  return allDelivered ? exitCodes.ok : exitCodes.failed;
}

async function readReplayable(file: string): Promise<Capture> {
  let capture: Capture;
  try {
    capture = await readCapture(file);
  } catch (error) {
    if (error instanceof CaptureError) throw new UsageError(error.message);
    throw error;
  }
  if (capture.truncated === true) {
    throw new UsageError(`${file} holds only the start of its body (it was refused before all of it arrived)`);
  }
  return capture;
}

/**
 * The headers and body to send for a capture: its own, minus connection headers; with a
 * secret, a fresh X-Task-Timestamp and X-Task-Signature in place of the recorded ones.
 */
export async function replayRequest(capture: Capture, secret?: string) {
  const headers = sendableHeaders(capture);
  if (secret === undefined) return { headers, body: capture.body };
  const signed: Record<string, string> = await signCallback({ body: capture.body, secret });
  for (const [name, value] of Object.entries(signed)) {
    const index = headers.findIndex(([key]) => key.toLowerCase() === name.toLowerCase());
    if (index === -1) headers.push([name, value]);
    else headers[index] = [headers[index]?.[0] as string, value];
  }
  return { headers, body: capture.body };
}

function replayJson(
  file: string,
  taskId: string,
  taskStatus: string,
  request: { headers: Array<[string, string]> },
  result: DeliveryResult,
) {
  return {
    file,
    ok: result.ok,
    status: result.status ?? null,
    taskId,
    taskStatus,
    timestamp: Number(headerValue(request.headers, "x-task-timestamp")),
    attempts: result.attempts,
  };
}
