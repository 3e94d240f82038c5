import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, expect, it } from "vitest";
import { callbackJobId } from "../src/index.js";

// What npm users get: the built files, resolved through `exports`, in ESM and CommonJS.
const root = fileURLToPath(new URL("..", import.meta.url));

beforeAll(() => {
  if (!existsSync(`${root}dist/index.cjs`))
    throw new Error("dist/ is missing: run `pnpm build` first (turbo does it for `pnpm test`).");
});

const probe = `console.log(JSON.stringify([Object.keys(m).sort(), m.callbackJobId("t:1", "COMPLETE", "ab")]))`;

it.each([
  ["ESM", ["--input-type=module", "-e", `import * as m from "@taskhook/bullmq"; ${probe}`]],
  ["CommonJS", ["-e", `const m = require("@taskhook/bullmq"); ${probe}`]],
])("the %s build exports the same API", (_name, args) => {
  const [names, id] = JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: "utf8" }));
  expect(names).toEqual([
    "DEFAULT_ATTEMPTS",
    "DEFAULT_BACKOFF",
    "DEFAULT_TIMEOUT_MS",
    "callbackJobId",
    "createCallbackHandoff",
    "createCallbackWorker",
    "createJobVerifier",
    "minimumKeepSeconds",
  ]);
  expect(id).toBe(callbackJobId("t:1", "COMPLETE", "ab"));
});
