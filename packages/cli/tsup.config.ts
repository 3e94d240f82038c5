import { defineConfig, packageConfig } from "../../tsup.base";

// A bin, not a library: one ESM file for Node with a shebang, no declarations.
export default defineConfig(
  packageConfig(
    { cli: "src/cli.ts" },
    {
      format: ["esm"],
      dts: false,
      platform: "node",
      banner: { js: "#!/usr/bin/env node" },
      // The inspector's page files ship inside the bundle as text.
      loader: { ".page.html": "text", ".page.js": "text" },
    },
  ),
);
