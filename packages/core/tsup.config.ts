import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Options } from "tsup";
import { defineConfig, packageConfig } from "../../tsup.base";

type Plugin = NonNullable<Options["esbuildPlugins"]>[number];

// The Node build is the same source with the crypto seam pointed at node:crypto.
const nodeCrypto: Plugin = {
  name: "taskhook-node-crypto",
  setup(build) {
    build.onResolve({ filter: /\/crypto\/web\.js$/ }, () => ({
      path: fileURLToPath(new URL("./src/crypto/node.ts", import.meta.url)),
    }));
  },
};

// Each entry (the root and ./adapter) is built for the Web and for Node. Both builds export
// the same API, so the declarations are built once and the Node ones point at them.
const entries = { index: "src/index.ts", adapter: "src/adapter.ts" };

export default defineConfig([
  packageConfig(entries),
  packageConfig(
    { node: entries.index, "node-adapter": entries.adapter },
    {
      platform: "node",
      esbuildPlugins: [nodeCrypto],
      dts: false,
      onSuccess: async () => {
        await mkdir("dist", { recursive: true });
        for (const [node, web] of [
          ["node", "index"],
          ["node-adapter", "adapter"],
        ]) {
          await writeFile(`dist/${node}.d.ts`, `export * from "./${web}.js";\n`);
          await writeFile(`dist/${node}.d.cts`, `export * from "./${web}.cjs";\n`);
        }
      },
    },
  ),
]);
