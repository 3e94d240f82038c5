import { readFile } from "node:fs/promises";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { beamFormats } from "@taskhook/core/adapter";

/** Exit codes, shared by every command and listed in each `--help`. */
export const exitCodes = {
  ok: 0,
  /** The command ran but did not succeed: not delivered, could not listen, or refused (verify). */
  failed: 1,
  /** The command line was wrong: bad option, missing secret, bad URL, unreadable file, invalid JSON. */
  usage: 2,
} as const;

export const exitCodesHelp = `Exit codes:
  0  success
  1  failure (send: not delivered; listen: could not start; verify: refused)
  2  usage error (unknown option, missing secret, bad URL, unreadable file, invalid JSON)`;

/** A mistake on the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** `util.parseArgs`, with its multi-sentence errors cut down to one line. */
export function parse<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals,
      strict: true,
    });
  } catch (error) {
    const message = (error as Error).message;
    const first = message.split(/(?<=\.) /)[0] ?? message;
    throw new UsageError(first.replace(/\.$/, ""));
  }
}

/** The signing key from `--secret`, else `TASKHOOK_SECRET`. */
export function resolveSecret(secret: string | undefined): string {
  const value = secret ?? process.env.TASKHOOK_SECRET;
  if (value === undefined || value === "") {
    throw new UsageError("no signing key: pass --secret sk_... or set TASKHOOK_SECRET");
  }
  return value;
}

/** An absolute http(s) URL. */
export function parseUrl(text: string | undefined, option: string): URL {
  if (text === undefined) throw new UsageError(`${option} is required`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${option} "${text}" is not a URL; use an absolute one such as http://127.0.0.1:4000/`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${option} "${text}" must be an http:// or https:// URL`);
  }
  return url;
}

/** The task's data: `--data` JSON, `--data-file` (`-` for stdin), or `fallback`. */
async function readData(
  options: { data?: string | undefined; "data-file"?: string | undefined },
  fallback: unknown,
): Promise<unknown> {
  const { data, "data-file": file } = options;
  if (data !== undefined && file !== undefined) throw new UsageError("pass --data or --data-file, not both");
  if (data !== undefined) return parseJson(data, "--data");
  if (file === undefined) return fallback;
  let text: string;
  try {
    text = file === "-" ? await readStdin() : await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const reason = fileErrors[code] ?? (error as Error).message;
    throw new UsageError(`cannot read --data-file ${file} (${reason})`);
  }
  return parseJson(text, file === "-" ? "stdin" : file);
}

const fileErrors: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "it is a directory",
};

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source} is not valid JSON (${(error as Error).message})`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Unix seconds, digits only. */
function parseTimestamp(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,12}$/.test(text)) throw new UsageError(`--timestamp must be Unix time in whole seconds; got "${text}"`);
  return Number(text);
}

/** An upper-case status word, as Beam sends. */
function parseStatus(text: string | undefined): string {
  if (text === undefined) return "COMPLETE";
  if (!beamFormats.status.test(text)) {
    throw new UsageError(
      `--status must be an upper-case word such as COMPLETE, ERROR, CANCELLED or TIMEOUT; got "${text}"`,
    );
  }
  return text;
}

/** A task id every taskhook receiver accepts (the verifier's own X-Task-ID format). */
function parseTaskId(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!beamFormats.taskId.test(text)) {
    throw new UsageError(
      `--task-id must be 1 to 128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit, such as a UUID; got "${text}"`,
    );
  }
  return text;
}

/** A TCP port, 0 for any free one. */
export function parsePort(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65535) throw new UsageError(`--port must be 0 to 65535; got "${text}"`);
  return port;
}

/** A whole number >= 0 for `option` (a size in bytes, seconds), or `fallback` when not given. */
export function parseCount(text: string | undefined, option: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,15}$/.test(text)) throw new UsageError(`${option} must be a whole number >= 0; got "${text}"`);
  return Number(text);
}

/** The options `send` and `sign` share: what to sign, with which key, and `--json`. */
export const callbackOptions = {
  secret: { type: "string" },
  data: { type: "string" },
  "data-file": { type: "string" },
  status: { type: "string" },
  "task-id": { type: "string" },
  timestamp: { type: "string" },
  json: { type: "boolean" },
} as const satisfies Options;

/** Checks the shared callback options; a bad one throws a {@link UsageError} naming it. */
export async function readCallbackOptions(values: {
  secret?: string | undefined;
  data?: string | undefined;
  "data-file"?: string | undefined;
  status?: string | undefined;
  "task-id"?: string | undefined;
  timestamp?: string | undefined;
}) {
  return {
    secret: resolveSecret(values.secret),
    status: parseStatus(values.status),
    taskId: parseTaskId(values["task-id"]),
    timestamp: parseTimestamp(values.timestamp),
    data: await readData(values, {}),
  };
}
