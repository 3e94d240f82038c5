// Runs the Worker locally in workerd, the runtime Cloudflare deploys it on, through Miniflare:
// esbuild bundles src/index.ts the way wrangler does (the `workerd` export condition first),
// and the key is a secret binding, as `wrangler secret put` makes it.
import { readFileSync } from "node:fs";
import { build } from "esbuild";
import { Log, LogLevel, Miniflare } from "miniflare";

const secret = process.env.TASKHOOK_SECRET;
if (!secret) {
  console.error("Set TASKHOOK_SECRET to your Beam signing key (sk_...).");
  process.exit(1);
}

const config = readFileSync(new URL("wrangler.toml", import.meta.url), "utf8");
const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(config)?.[1];

const bundle = await build({
  entryPoints: [new URL("src/index.ts", import.meta.url).pathname],
  bundle: true,
  format: "esm",
  platform: "neutral",
  conditions: ["workerd", "worker"],
  write: false,
});

const mf = new Miniflare({
  modules: true,
  script: bundle.outputFiles[0].text,
  compatibilityDate,
  bindings: { TASKHOOK_SECRET: secret },
  host: process.env.HOST ?? "127.0.0.1",
  port: Number(process.env.PORT ?? 8787),
  log: new Log(LogLevel.WARN),
});
const url = await mf.ready;
console.log(`listening on ${new URL("/beam", url)}`);

for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => mf.dispose().then(() => process.exit(0)));
