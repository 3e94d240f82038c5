import { defineConfig, type Options } from "tsup";

/**
 * The one tsup setup every published package shares: dual ESM/CJS with declarations,
 * unminified so stack traces and diffs of `dist` stay readable. A package states only its
 * entries (and, for core, the Node variant).
 */
export function packageConfig(entry: NonNullable<Options["entry"]>, extra: Options = {}): Options {
  return {
    entry,
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: false,
    target: "es2022",
    platform: "neutral",
    treeshake: true,
    splitting: false,
    removeNodeProtocol: false,
    ...extra,
  };
}

export { defineConfig };
