import { defineConfig, packageConfig } from "../../tsup.base";

// ESM only: vitest refuses to be loaded with require(), so a CJS build could never run.
export default defineConfig(packageConfig({ index: "src/index.ts" }, { format: ["esm"], platform: "node" }));
