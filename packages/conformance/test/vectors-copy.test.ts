import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { packagedVectorsPath } from "../src/index.js";

// The one place that looks outside the repository (scripts/check-paths.mjs allows only this file):
// the vectors' upstream, a `shared/` folder next to the clone. Every test reads the copy this
// package ships; this check keeps it byte-identical to the upstream where a clone has one.
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const upstream = fileURLToPath(new URL("../../../../shared/vectors/callback-signatures.json", import.meta.url));

it.skipIf(!existsSync(upstream))("the packaged vectors are byte-identical to the upstream ../shared/vectors", () => {
  const update = `cp ${relative(repo, upstream)} ${relative(repo, packagedVectorsPath)}`;
  const same = readFileSync(packagedVectorsPath).equals(readFileSync(upstream));
  expect(same, `The upstream vectors changed: from the repository root run \`${update}\`, then make them pass.`).toBe(
    true,
  );
});
