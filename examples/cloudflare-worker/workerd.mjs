// Runs a Worker locally in workerd, the runtime Cloudflare deploys it on, through Miniflare:
// esbuild bundles the entry the way wrangler does (the `workerd` export condition first), with
// wrangler.toml's compatibility date. Nothing is fetched from the network (`cf: false` keeps
// Miniflare from downloading its `request.cf` data).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Log, LogLevel, Miniflare } from "miniflare";

const wrangler = readFileSync(new URL("wrangler.toml", import.meta.url), "utf8");
const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(wrangler)?.[1];

/**
 * Starts `entry` (a path or file URL) in workerd on `host`:`port` (0: a free port).
 * @param {{ entry: string | URL, bindings?: Record<string, string>, host?: string, port?: number }} options
 * @returns {Promise<{ url: URL, stop(): Promise<void> }>}
 */
export async function startWorker({ entry, bindings = {}, host = "127.0.0.1", port = 0 }) {
  const bundle = await build({
    entryPoints: [typeof entry === "string" ? entry : fileURLToPath(entry)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker"],
    write: false,
    logLevel: "silent",
  });
  const mf = new Miniflare({
    modules: true,
    script: bundle.outputFiles[0].text,
    compatibilityDate,
    bindings,
    host,
    port,
    cf: false,
    log: new Log(LogLevel.WARN),
  });
  const url = await mf.ready;
  return { url, stop: () => mf.dispose() };
}

/** What the tests accept from workerd that other runtimes must not do, and why. */
export const resetsLargeUploads = "workerd resets an upload it stopped reading, at times before its 413 is out";
export const closesAfterUnreadBody =
  "workerd closes a keep-alive connection after answering a request whose body was not read";
