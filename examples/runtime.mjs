// Finds the Bun and Deno binaries that their npm packages ship, and runs one:
//   node ../runtime.mjs bun server.ts
// Both packages normally link their binary in a postinstall script, which pnpm does not run (and
// Bun's would download one when its platform package is missing), so this goes straight to the
// platform package the installer picked: @oven/bun-<os>-<arch>, @deno/<os>-<arch>-glibc.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const arch = { x64: "x64", arm64: "aarch64" }[process.arch];

const runtimes = {
  bun: { example: "bun", main: "bun", platform: `@oven/bun-${process.platform}-${arch}`, file: "bin/bun" },
  deno: { example: "deno", main: "deno", platform: `@deno/${process.platform}-${process.arch}-glibc`, file: "deno" },
};

/**
 * The path of the `bun` or `deno` binary installed in its example's node_modules, or an Error
 * saying what is missing.
 * @param {"bun" | "deno"} name
 * @returns {string | Error}
 */
export function runtimeBinary(name) {
  const runtime = runtimes[name];
  try {
    const fromExample = createRequire(join(here, runtime.example, "package.json"));
    const fromMain = createRequire(fromExample.resolve(`${runtime.main}/package.json`));
    const binary = join(dirname(fromMain.resolve(`${runtime.platform}/package.json`)), runtime.file);
    if (existsSync(binary)) return binary;
    return new Error(`${name}: ${binary} is missing`);
  } catch (error) {
    return new Error(`${name}: no ${runtime.platform} package for this platform (${error.code ?? error.message})`);
  }
}

/**
 * Why `name` cannot run here, or `undefined` when its binary is installed.
 * @param {"bun" | "deno" | "workerd"} name
 * @returns {Error | undefined}
 */
export function missingRuntime(name) {
  const binary = name === "workerd" ? workerdBinary() : runtimeBinary(name);
  return binary instanceof Error ? binary : undefined;
}

// Miniflare finds workerd itself; this only tells whether it will.
function workerdBinary() {
  try {
    const fromExample = createRequire(join(here, "cloudflare-worker", "package.json"));
    const fromMiniflare = createRequire(fromExample.resolve("miniflare/package.json"));
    const binary = fromMiniflare("workerd").default;
    return existsSync(binary) ? binary : new Error(`workerd: ${binary} is missing`);
  } catch (error) {
    return new Error(`workerd: no binary for this platform (${error.message.split("\n")[0]})`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [name, ...args] = process.argv.slice(2);
  const binary = name in runtimes ? runtimeBinary(name) : new Error(`usage: node runtime.mjs bun|deno <args>`);
  if (binary instanceof Error) {
    console.error(binary.message);
    process.exit(1);
  }
  const child = spawn(binary, args, { stdio: "inherit" });
  // The smoke tests' lifetime limit ends this process with process.exit: the runtime goes with it.
  process.on("exit", () => child.kill("SIGKILL"));
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
