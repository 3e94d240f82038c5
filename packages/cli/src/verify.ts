import { readFile } from "node:fs/promises";
import { type CallbackVerdict, diagnoseCallback, errorStatus, keyFingerprint } from "@taskhook/core";
import pc from "picocolors";
import { type Capture, CaptureError, parseCapture } from "./capture.js";
import { colorHttp, colorStatus, preview } from "./format.js";
import { exitCodes, exitCodesHelp, parse, resolveSecret, UsageError } from "./options.js";
import { writeLine } from "./terminal.js";

export const verifyHelp = `Usage: taskhook verify [FILE] [options]

Verifies one captured callback as a taskhook server would and, when it is refused, says why:
the refusal's code and a diagnosis (a body re-written on the way, a key with whitespace or
without sk_, a clock off, a hand-written sender's misreading of the scheme...).

The callback comes from FILE, a capture written by taskhook listen --record (or downloaded
from its inspector); from --headers and --body; or, without either, a capture on stdin.

Options:
  --secret S          signing key, sk_ prefix included (default: $TASKHOOK_SECRET)
  --headers FILE      the request's headers, one "Name: value" per line (a request line is skipped)
  --body FILE         the request's raw body, byte for byte
  --now N             check the timestamp at Unix time N (default: when the capture was
                      received; now for --headers/--body)
  --tolerance N       accepted clock difference in seconds (default: 60)
  --json              print one JSON object: {"ok","code","diagnosis":[{"reason","message"}]}
  -h, --help          show this help

${exitCodesHelp}

Example:
  taskhook verify recorded/20261129T154301123Z-000001-3f0c.json --secret sk_...`;

interface Input {
  headers: Array<[string, string]>;
  body: Uint8Array;
  receivedAt?: Date;
}

export async function verifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      secret: { type: "string" },
      headers: { type: "string" },
      body: { type: "string" },
      now: { type: "string" },
      tolerance: { type: "string" },
      json: { type: "boolean" },
    },
    true,
  );
  if (values.help) {
    process.stdout.write(`${verifyHelp}\n`);
    return exitCodes.ok;
  }
  const secret = resolveSecret(values.secret);
  const input = await readInput(positionals, values);
  const nowSeconds = wholeNumber(values.now, "--now");
  const tolerance = wholeNumber(values.tolerance, "--tolerance");
  const at = nowSeconds === undefined ? (input.receivedAt?.getTime() ?? Date.now()) : nowSeconds * 1000;

  const verdict = await diagnoseCallback(
    {
      headers: headerRecord(input.headers),
      body: input.body,
    },
    {
      secret,
      now: () => at,
      maxBodyBytes: Number.MAX_SAFE_INTEGER,
      ...(tolerance === undefined ? {} : { toleranceSeconds: tolerance }),
    },
  );
  if (values.json === true) {
    writeLine(process.stdout, JSON.stringify(verdictJson(verdict)));
  } else {
    for (const line of describe(verdict, await keyFingerprint(secret)).split("\n")) writeLine(process.stdout, line);
  }
  return verdict.ok ? exitCodes.ok : exitCodes.failed;
}

/** Repeated header names are joined with ", ", as HTTP servers hand them over. */
function headerRecord(pairs: Array<[string, string]>): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    record[key] = record[key] === undefined ? value : `${record[key]}, ${value}`;
  }
  return record;
}

function verdictJson(verdict: CallbackVerdict): Record<string, unknown> {
  if (verdict.ok) {
    const { taskId, status, timestamp, data } = verdict.callback;
    return { ok: true, code: null, diagnosis: [], taskId, status, timestamp, data };
  }
  return { ok: false, code: verdict.code, message: verdict.message, diagnosis: verdict.diagnosis };
}

function describe(verdict: CallbackVerdict, fingerprint: string): string {
  const key = pc.dim(`(signing key ${fingerprint})`);
  if (verdict.ok) {
    const { taskId, status, data } = verdict.callback;
    return `${pc.green("verified")}  ${taskId} ${colorStatus(status)}  ${preview(data)}  ${key}`;
  }
  const lines = [
    `${pc.red("refused")}  ${colorHttp(errorStatus[verdict.code])} ${pc.bold(verdict.code)}  ${pc.dim(verdict.message)}  ${key}`,
  ];
  for (const { reason, message } of verdict.diagnosis) lines.push(`  ${pc.yellow(reason)}  ${message}`);
  return lines.join("\n");
}

async function readInput(
  positionals: string[],
  values: { headers?: string | undefined; body?: string | undefined },
): Promise<Input> {
  const separate = values.headers !== undefined || values.body !== undefined;
  if (separate) {
    if (positionals.length > 0) throw new UsageError("pass a capture FILE or --headers and --body, not both");
    if (values.headers === undefined || values.body === undefined) {
      throw new UsageError("--headers and --body go together");
    }
    const headers = parseHeaderLines(await readBytes(values.headers, "--headers").then((b) => b.toString("utf8")));
    return { headers, body: new Uint8Array(await readBytes(values.body, "--body")) };
  }
  if (positionals.length > 1) throw new UsageError(`expected one capture file, got ${positionals.length}`);
  const file = positionals[0] ?? "-";
  const text = (await readBytes(file, file === "-" ? "stdin" : file)).toString("utf8");
  let capture: Capture;
  try {
    capture = parseCapture(text, file === "-" ? "stdin" : file);
  } catch (error) {
    if (error instanceof CaptureError) throw new UsageError(error.message);
    throw error;
  }
  if (capture.truncated === true) {
    throw new UsageError(`${file} holds only the start of its body (it was refused while arriving); it cannot verify`);
  }
  return capture;
}

/** `Name: value` lines, as curl -D, browsers' "copy request headers" and HTTP dumps write them. */
function parseHeaderLines(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "" || /^(?:[A-Z]+ \S+ HTTP\/|HTTP\/)/.test(line)) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new UsageError(`--headers: "${preview(line, 40)}" is not a "Name: value" line`);
    pairs.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return pairs;
}

async function readBytes(file: string, name: string): Promise<Buffer> {
  try {
    if (file === "-") {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    }
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const reason =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code || (error as Error).message;
    throw new UsageError(`cannot read ${name} (${reason})`);
  }
}

function wholeNumber(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,12}$/.test(text)) throw new UsageError(`${option} must be a whole number of seconds; got "${text}"`);
  return Number(text);
}
