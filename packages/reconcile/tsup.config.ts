import { defineConfig, packageConfig } from "../../tsup.base";

export default defineConfig(packageConfig({ index: "src/index.ts", testing: "src/testing/index.ts" }));
