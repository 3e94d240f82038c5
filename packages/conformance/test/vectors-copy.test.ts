import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { packagedVectorsPath } from "../src/index.js";

// The package ships a copy for adapters outside this repository; it must stay the shared file.
const shared =
  process.env.TASKHOOK_VECTORS ??
  fileURLToPath(new URL("../../../../shared/vectors/callback-signatures.json", import.meta.url));

it("the packaged vectors are byte-identical to ../shared/vectors", () => {
  expect(readFileSync(packagedVectorsPath).equals(readFileSync(shared))).toBe(true);
});
