import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { EdgeVM } from "@edge-runtime/vm";
import { beforeAll, describe, expect, it } from "vitest";
import { vectors } from "./vectors.js";

// These tests exercise what npm users get: the built files, resolved through `exports`.
const root = fileURLToPath(new URL("..", import.meta.url));
const dist = (file: string) => `${root}dist/${file}`;

beforeAll(() => {
  if (!existsSync(dist("index.cjs")))
    throw new Error("dist/ is missing: run `pnpm build` first (turbo does it for `pnpm test`).");
});

function node(args: string[], code: string): string {
  return execFileSync(process.execPath, [...args, "--input-type=module"], {
    cwd: root,
    encoding: "utf8",
    input: code,
  }).trim();
}

const valid = vectors.filter((v) => v.expect === "valid");
// JSON writes -0 as 0, and a vector's data holds a -0: carry it across the boundary as a marker.
const negativeZero = "taskhook:negative-zero";
const verifyAll = `
  const vectors = ${JSON.stringify(vectors)};
  const results = [];
  for (const v of vectors) {
    const body = Uint8Array.from(atob(v.body_base64), (c) => c.charCodeAt(0));
    const headers = { "content-type": v.content_type, "x-task-id": v.task_id, "x-task-status": v.status,
      "x-task-timestamp": String(v.timestamp), "x-task-signature": v.signature };
    const verifier = core.createVerifier({ secret: v.secrets ?? v.secret, now: () => v.timestamp * 1000 });
    results.push(await verifier.verify({ headers, body }).then((cb) => JSON.stringify(cb.data, (_, x) => (Object.is(x, -0) ? "${negativeZero}" : x)), (e) => e.code));
  }
  return results;`;

function expectVectorResults(results: string[]) {
  vectors.forEach((v, i) => {
    const data = () => JSON.parse(results[i] as string, (_, x) => (x === negativeZero ? -0 : x));
    if (v.expect === "valid") expect(data(), v.name).toStrictEqual(v.data);
    else expect(["INVALID_SIGNATURE", "MISSING_HEADER"], v.name).toContain(results[i]);
  });
  expect(valid.length).toBeGreaterThan(0);
}

describe("published builds", () => {
  it.each([
    ["@taskhook/core", "node", "index"],
    ["@taskhook/core/adapter", "node-adapter", "adapter"],
  ])("Node picks the node:crypto build of %s, edge conditions pick the Web build", (specifier, nodeFile, webFile) => {
    const resolve = (conditions: string[], name = specifier) =>
      node(
        conditions.flatMap((c) => ["-C", c]),
        `console.log(import.meta.resolve(${JSON.stringify(name)}))`,
      );
    expect(resolve([])).toMatch(new RegExp(`dist/${nodeFile}\\.js$`));
    for (const condition of ["workerd", "worker", "deno", "edge-light", "browser"]) {
      expect(resolve([condition]), condition).toMatch(new RegExp(`dist/${webFile}\\.js$`));
    }
    expect(resolve([], `${specifier}/web`)).toMatch(new RegExp(`dist/${webFile}\\.js$`));
  });

  it("the adapter entry processes a callback under the node and the workerd conditions", () => {
    const seamOf = (args: string[]) =>
      node(
        args,
        `const { createCallbackProcessor } = await import('@taskhook/core/adapter');
         const { createTestCallback } = await import('@taskhook/core');
         const cb = await createTestCallback({ data: 1, secret: "sk_x" });
         const r = await createCallbackProcessor({ secret: "sk_x" }).process({ method: "POST", ...cb });
         console.log(r.status);`,
      );
    expect(seamOf([])).toBe("200");
    expect(seamOf(["-C", "workerd"])).toBe("200");
  });

  it.each([
    ["ESM, node", [], "import * as core from '@taskhook/core';"],
    ["ESM, workerd", ["-C", "workerd"], "import * as core from '@taskhook/core';"],
    [
      "CJS, node",
      [],
      "import { createRequire } from 'node:module'; const core = createRequire(import.meta.url)('@taskhook/core');",
    ],
  ])("passes every vector through %s", (_, args, load) => {
    const out = node(args, `${load} const run = async () => {${verifyAll}}; console.log(JSON.stringify(await run()));`);
    expectVectorResults(JSON.parse(out));
  });

  it("the Web build runs in the edge runtime with no Node built-ins", async () => {
    const vm = new EdgeVM();
    expect(vm.evaluate("typeof process + typeof Buffer + typeof require")).toBe("undefinedundefinedundefined");
    const load = (file: string) => `(() => {
      const module = { exports: {} };
      const require = (id) => { throw new Error("the Web build needs " + id); };
      (function (module, exports, require) {\n${readFileSync(dist(file), "utf8")}\n})(module, module.exports, require);
      return module.exports;
    })()`;
    vm.evaluate(`globalThis.core = Object.assign({}, ${load("index.cjs")}, ${load("adapter.cjs")});`);
    const results = await vm.evaluate(`(async () => { const core = globalThis.core; ${verifyAll} })()`);
    expectVectorResults(JSON.parse(JSON.stringify(results)));
    const roundTrip = await vm.evaluate(`(async () => {
      const cb = await core.createTestCallback({ data: { caption: "東京" }, secret: "sk_edge" });
      const processor = core.createCallbackProcessor({ secret: "sk_edge" });
      const first = await processor.process({ method: "POST", headers: cb.headers, body: new Blob([cb.body]).stream() });
      const second = await processor.process({ method: "POST", headers: cb.headers, body: cb.body });
      return [first.status, second.body];
    })()`);
    expect(JSON.parse(JSON.stringify(roundTrip))).toEqual([200, '{"received":true,"duplicate":true}']);
  });
});
