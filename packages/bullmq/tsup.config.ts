import { defineConfig, packageConfig } from "../../tsup.base";

// BullMQ runs on Node only, so this package may use node:crypto and Buffer.
export default defineConfig(packageConfig({ index: "src/index.ts" }, { platform: "node" }));
