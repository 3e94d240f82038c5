// Redis for the tests of any package that needs one (@taskhook/redis, @taskhook/bullmq), in order:
// $REDIS_URL; else a redis-server on PATH, started on a free 127.0.0.1 port; else none. Without
// one, the tests skip outside CI and the run ends with one line saying how to run them; with
// CI=true a missing Redis fails the run.
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startRedis } from "./redis-server.mjs";

const REDIS_SERVER = process.env.REDIS_SERVER ?? "redis-server";

/** Where each package's run records how many Redis tests it skipped, for `pnpm test`'s last line. */
const skipsDir = fileURLToPath(new URL("../node_modules/.cache/taskhook-redis-skips/", import.meta.url));

/** Suite options for tests that need Redis: `describe(name, redisSuite(redis), fn)`. */
export function redisSuite(redis) {
  const meta = { needsRedis: true };
  // No `skip: false`: children inherit it, and it would undo their own `it.skipIf`.
  return redis === undefined ? { skip: true, meta } : { meta };
}

function isCI() {
  const ci = (process.env.CI ?? "").toLowerCase();
  return ci !== "" && ci !== "0" && ci !== "false";
}

function onPath(command) {
  if (command.includes("/")) return executable(command);
  const names = process.platform === "win32" ? [`${command}.exe`, command] : [command];
  return (process.env.PATH ?? "").split(delimiter).some((dir) => dir && names.some((n) => executable(join(dir, n))));
}

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Redis for one test file: `{ url, server }`, where `server` (stop/start) is there only when
 * the tests started it themselves; `undefined` when there is none outside CI.
 * @throws with CI=true when there is neither $REDIS_URL nor redis-server.
 */
export async function redisForTests() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, server: undefined };
  if (onPath(REDIS_SERVER)) {
    const server = await startRedis();
    return { url: server.url, server };
  }
  if (isCI()) {
    throw new Error(`CI is set and there is no Redis for these tests: ${redisHint}.`);
  }
  return undefined;
}

export const redisHint =
  "install redis-server (apt-get install redis-server / brew install redis) or set REDIS_URL=redis://... to run them";

/** The one line that says how many Redis tests were skipped and how to run them. */
export function skipLine(count) {
  const tests = `${count} Redis test${count === 1 ? "" : "s"} skipped`;
  // With $REDIS_URL only the tests that stop and restart Redis skip: they need a server of their own.
  if (process.env.REDIS_URL) {
    return `${tests}: they restart Redis, so they need redis-server on PATH (apt-get install redis-server / brew install redis)`;
  }
  return `${tests}: ${redisHint}`;
}

/**
 * A vitest reporter that counts the skipped tests of `redisSuite` suites. Run by itself it prints
 * the skip line; under turbo (`pnpm test`) it records the count and `scripts/redis-skips.mjs`
 * prints one line for the whole run.
 */
export class RedisSkipReporter {
  onTestRunEnd(testModules) {
    let count = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        if (test.meta().needsRedis && test.result().state === "skipped") count++;
      }
    }
    // biome-ignore lint/suspicious/noUndeclaredEnvVars: turbo sets it in every task it runs.
    if (process.env.TURBO_HASH === undefined) {
      if (count > 0) console.log(`\n${skipLine(count)}\n`);
      return;
    }
    mkdirSync(skipsDir, { recursive: true });
    writeFileSync(join(skipsDir, `${process.pid}.json`), JSON.stringify({ cwd: process.cwd(), count }));
  }
}

/** Forgets the counts of earlier runs. */
export function resetSkips() {
  rmSync(skipsDir, { recursive: true, force: true });
}

/** The total count the packages of this run recorded. */
export function recordedSkips() {
  let files;
  try {
    files = readdirSync(skipsDir);
  } catch {
    return 0;
  }
  return files.reduce((sum, file) => sum + JSON.parse(readFileSync(join(skipsDir, file), "utf8")).count, 0);
}
