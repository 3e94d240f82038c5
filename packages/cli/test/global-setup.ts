import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export default function setup() {
  const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
  if (!existsSync(cli)) {
    throw new Error("The CLI is not built: run `pnpm turbo run build --filter taskhook` first.");
  }
}
