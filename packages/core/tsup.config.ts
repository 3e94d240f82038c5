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

// Both builds export the same API, so the declarations are built once and shared.
export default defineConfig([
  packageConfig({ index: "src/index.ts" }),
  packageConfig(
    { node: "src/index.ts" },
    {
      platform: "node",
      esbuildPlugins: [nodeCrypto],
      dts: false,
      onSuccess: async () => {
        await mkdir("dist", { recursive: true });
        await writeFile("dist/node.d.ts", 'export * from "./index.js";\n');
        await writeFile("dist/node.d.cts", 'export * from "./index.cjs";\n');
      },
    },
  ),
]);
