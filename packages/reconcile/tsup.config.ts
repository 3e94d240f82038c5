import { defineConfig, packageConfig } from "../../tsup.base";

// The library runs anywhere (fetch only); the testing entry serves the fake over node:http.
export default defineConfig([
  packageConfig({ index: "src/index.ts" }),
  packageConfig({ testing: "src/testing/index.ts" }, { platform: "node" }),
]);
