// `pnpm start`: the Worker in workerd on this machine, the key as a secret binding.
import { startWorker } from "./workerd.mjs";

const secret = process.env.TASKHOOK_SECRET;
if (!secret) {
  console.error("Set TASKHOOK_SECRET to your Beam signing key (sk_...).");
  process.exit(1);
}

const worker = await startWorker({
  entry: new URL("src/index.ts", import.meta.url),
  bindings: { TASKHOOK_SECRET: secret },
  host: process.env.HOST ?? "127.0.0.1",
  port: Number(process.env.PORT ?? 8787),
});
console.log(`listening on ${new URL("/beam", worker.url)}`);
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => worker.stop().then(() => process.exit(0)));
