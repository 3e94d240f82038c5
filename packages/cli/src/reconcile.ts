import { type IdempotencyStore, sendCallback } from "@taskhook/core";
import {
  type BeamTask,
  createBeamTaskApi,
  createReconciler,
  DEFAULT_API_URL,
  explainMissingCallback,
  type MissingTask,
  parseDuration,
} from "@taskhook/reconcile";
import pc from "picocolors";
import { colorStatus } from "./format.js";
import { exitCodes, exitCodesHelp, parse, parseUrl, resolveSecret, UsageError } from "./options.js";

export const reconcileHelp = `Usage: taskhook reconcile [options]

Finds the Beam tasks that finished without a handled callback (Beam's gateway never calls
back for expired, cancelled or unscheduled tasks, and a receiver that was down loses what
finished meanwhile), from Beam's task API, and delivers them: as signed callbacks to
--to URL, or as JSON lines with --json.

Options:
  --since DURATION    how far back to look, by task creation: 90m, 2h, 1d (default: 1h)
  --grace DURATION    leave tasks that ended this recently to Beam's callback (default: 5m)
  --dry-run           list the missing tasks (id, status, ended, why Beam did not send)
  --to URL            deliver each as a signed callback, retrying like Beam (with --secret)
  --secret S          signing key for --to, sk_ prefix included (default: $TASKHOOK_SECRET)
  --json              print JSON lines; without --to: each missing task with its result
  --redis URL         your receiver's Redis (@taskhook/redis): skip tasks it handled
  --redis-prefix P    the prefix given to redisStore (default: taskhook:)
  --all               with --to but no --redis: send every finished task anyway
  --workspace ID      Beam workspace id (default: $BEAM_WORKSPACE_ID)
  --token T           Beam API token (default: $BEAM_TOKEN)
  --api-url URL       Beam's API (default: ${DEFAULT_API_URL})
  --stub ID           only tasks of this stub id (repeatable)
  --stub-name NAME    only tasks of stubs with this name (repeatable)
  -h, --help          show this help

Without --redis, taskhook cannot see which tasks your receiver handled and lists every
finished task in the window.

${exitCodesHelp.replace("send: not delivered", "send, reconcile: not delivered")}

Examples:
  taskhook reconcile --since 2h --dry-run --redis redis://localhost:6379
  taskhook reconcile --since 2h --redis redis://localhost:6379 --to https://example.com/beam`;

const options = {
  since: { type: "string" },
  grace: { type: "string" },
  "dry-run": { type: "boolean" },
  to: { type: "string" },
  secret: { type: "string" },
  json: { type: "boolean" },
  redis: { type: "string" },
  "redis-prefix": { type: "string" },
  all: { type: "boolean" },
  workspace: { type: "string" },
  token: { type: "string" },
  "api-url": { type: "string" },
  stub: { type: "string", multiple: true },
  "stub-name": { type: "string", multiple: true },
} as const;

export async function reconcileCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, options);
  if (values.help) {
    process.stdout.write(`${reconcileHelp}\n`);
    return exitCodes.ok;
  }
  const settings = readSettings(values);
  const redis = values.redis === undefined ? undefined : await openRedis(values.redis, values["redis-prefix"]);
  try {
    if (redis === undefined) warn("no --redis: listing every finished task, handled or not");
    const reconciler = createReconciler({ ...settings.api, ...settings.window, idempotency: redis?.store ?? false });
    const missing = await reconciler.findMissing();
    if (values["dry-run"]) return printList(missing, values.json === true);
    return await deliver(missing, settings, values.json === true);
  } finally {
    await redis?.close();
  }
}

type Values = ReturnType<typeof parse<typeof options>>["values"];

function readSettings(values: Values) {
  const workspaceId = values.workspace ?? process.env.BEAM_WORKSPACE_ID ?? "";
  const token = values.token ?? process.env.BEAM_TOKEN ?? "";
  if (workspaceId === "") throw new UsageError("no workspace: pass --workspace ID or set BEAM_WORKSPACE_ID");
  if (token === "") throw new UsageError("no API token: pass --token or set BEAM_TOKEN");
  const apiUrl = parseUrl(values["api-url"] ?? DEFAULT_API_URL, "--api-url").href;
  const duration = (text: string, option: string) => {
    try {
      return parseDuration(text, option);
    } catch {
      throw new UsageError(`--${option} must be a duration such as 90s, 30m, 2h or 1d; got "${text}"`);
    }
  };
  const dryRun = values["dry-run"] === true;
  const to = values.to === undefined ? undefined : parseUrl(values.to, "--to");
  if (!dryRun && to === undefined && values.json !== true) {
    throw new UsageError("say what to do with the missing tasks: --dry-run, --to URL or --json");
  }
  if (dryRun && to !== undefined) throw new UsageError("--dry-run delivers nothing; drop --to, or drop --dry-run");
  if (to !== undefined && values.redis === undefined && values.all !== true) {
    throw new UsageError(
      "--to without --redis would send tasks your receiver already handled; pass --redis URL, or --all to send every finished task",
    );
  }
  return {
    api: { workspaceId, token, apiUrl },
    window: {
      lookback: duration(values.since ?? "1h", "since"),
      grace: duration(values.grace ?? "5m", "grace"),
      stubs: { ids: values.stub ?? [], names: values["stub-name"] ?? [] },
      deliver: () => {},
    },
    to: to === undefined ? undefined : { url: to, secret: resolveSecret(values.secret) },
  };
}

function printList(missing: MissingTask[], json: boolean): number {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  for (const { taskId, status, endedAt, reason, task } of missing) {
    if (json) out(JSON.stringify({ taskId, status, endedAt: iso(endedAt), stub: task.stub?.name ?? null, reason }));
    else out(`${taskId}  ${colorStatus(status.padEnd(9))}  ${pc.dim(`ended ${iso(endedAt) ?? "?"}`)}  ${reason}`);
  }
  if (!json)
    out(pc.bold(`${missing.length} finished task${missing.length === 1 ? "" : "s"} without a handled callback`));
  return exitCodes.ok;
}

async function deliver(missing: MissingTask[], settings: ReturnType<typeof readSettings>, json: boolean) {
  const api = createBeamTaskApi(settings.api);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  let failed = 0;
  for (const { taskId } of missing) {
    const task = await api.getTask(taskId);
    if (task === null) {
      out(json ? JSON.stringify({ taskId, ok: false, error: "gone" }) : `${taskId}  ${pc.dim("gone from Beam's API")}`);
      continue;
    }
    if (settings.to === undefined) {
      out(JSON.stringify(printable(task)));
      continue;
    }
    const ok = await send(task, settings.to, json, out);
    if (!ok) failed++;
  }
  if (!json && settings.to !== undefined) {
    const sent = missing.length - failed;
    out(pc.bold(`${sent} of ${missing.length} delivered to ${settings.to.url.href}`));
  }
  return failed === 0 ? exitCodes.ok : exitCodes.failed;
}

async function send(task: BeamTask, to: { url: URL; secret: string }, json: boolean, out: (line: string) => void) {
  const result = await sendCallback(to.url, {
    data: task.result ?? null,
    secret: to.secret,
    status: task.status,
    taskId: task.id,
  });
  const last = result.attempts.at(-1);
  let duplicate = false;
  try {
    duplicate = (JSON.parse(last?.body ?? "") as { duplicate?: unknown }).duplicate === true;
  } catch {}
  if (json) {
    out(
      JSON.stringify({ taskId: task.id, status: task.status, ok: result.ok, http: result.status ?? null, duplicate }),
    );
  } else {
    const outcome = result.ok
      ? pc.green(duplicate ? "already handled" : "delivered")
      : pc.red(`not delivered (${last?.status ?? last?.outcome})`);
    out(`${task.id}  ${colorStatus(task.status.padEnd(9))}  ${outcome}`);
  }
  return result.ok;
}

function printable(task: BeamTask) {
  return {
    taskId: task.id,
    status: task.status,
    endedAt: task.ended_at,
    reason: explainMissingCallback(task),
    outputs: task.outputs ?? [],
    data: task.result ?? null,
  };
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

function warn(message: string) {
  process.stderr.write(`${pc.yellow("taskhook reconcile:")} ${message}\n`);
}

/** The receiver's store on Redis, through ioredis, failing fast when Redis is away. */
async function openRedis(
  url: string,
  prefix = "taskhook:",
): Promise<{ store: IdempotencyStore; close(): Promise<void> }> {
  const [{ Redis }, { redisStore }] = await Promise.all([import("ioredis"), import("@taskhook/redis")]);
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new UsageError(`cannot reach --redis ${url} (${(error as Error).message})`);
  }
  return { store: redisStore({ client, prefix }), close: async () => void (await client.quit()) };
}
