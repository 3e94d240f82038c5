// Packs every public package as npm would publish it, installs the tarballs into a fresh
// ESM project and a fresh CommonJS project, and runs a real verification in each. This
// catches what workspace links hide: missing files, wrong exports, CJS/ESM mismatches.
// Usage: node scripts/pack-check.mjs [package names...] (default: every public package).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quickStartDependencies, runQuickStarts } from "./quick-starts.mjs";

const root = new URL("..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "taskhook-pack-"));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

const packages = readdirSync(join(root, "packages"))
  .map((dir) => ({
    dir: join(root, "packages", dir),
    manifest: JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")),
  }))
  .filter(({ manifest }) => !manifest.private)
  .filter(({ manifest }) => process.argv.length <= 2 || process.argv.slice(2).includes(manifest.name));

// What every published package's manifest and files must carry for npm and its users.
const required = [
  "description",
  "license",
  "repository",
  "keywords",
  "engines",
  "publishConfig",
  "sideEffects",
  "files",
];
for (const { dir, manifest } of packages) {
  const missing = required.filter((field) => manifest[field] === undefined);
  if (manifest.publishConfig?.access !== "public") missing.push("publishConfig.access=public");
  for (const file of ["LICENSE", "README.md"]) if (!existsSync(join(dir, file))) missing.push(file);
  if (missing.length > 0) throw new Error(`${manifest.name} lacks ${missing.join(", ")}`);
}

const tarballs = {};
for (const { dir, manifest } of packages) {
  const out = run("pnpm", ["pack", "--pack-destination", work], dir).trim().split("\n").pop();
  tarballs[manifest.name] = out.startsWith("/") ? out : join(work, out);
}
console.log(`packed ${Object.keys(tarballs).join(", ")}`);

// Each package's smoke test: `load(name)` is `await import(name)` or `require(name)`.
const smoke = `
  const core = load("@taskhook/core");
  const secret = "sk_pack_check";
  const cb = await core.createTestCallback({ data: { result: 10, caption: "caf\\u00e9" }, secret });
  const verified = await core.createVerifier({ secret }).verify(cb);
  if (verified.data.result !== 10) throw new Error("core: wrong data");
  const tampered = await core.verifyCallback({ headers: cb.headers, body: cb.body.replace("10", "11") }, { secret }).catch((e) => e.code);
  if (tampered !== "INVALID_SIGNATURE") throw new Error("core: tampered body accepted");
  const adapter = load("@taskhook/core/adapter");
  const processed = await adapter.createCallbackProcessor({ secret }).process({ method: "POST", ...cb });
  if (processed.status !== 200) throw new Error("core/adapter: " + processed.status);
  const checked = ["@taskhook/core", "@taskhook/core/adapter"];
  if (has("@taskhook/fetch")) {
    const { createCallbackHandler } = load("@taskhook/fetch");
    let seen;
    const handler = createCallbackHandler({ secret, onCallback: (c) => { seen = c.data; } });
    const response = await handler(new Request("http://localhost/beam", { method: "POST", headers: cb.headers, body: cb.body }));
    if (response.status !== 200 || seen?.result !== 10) throw new Error("fetch: " + response.status);
    checked.push("@taskhook/fetch");
  }
  for (const name of ["@taskhook/hono", "@taskhook/express", "@taskhook/fastify", "@taskhook/redis", "@taskhook/bullmq", "@taskhook/reconcile", "@taskhook/conformance"]) {
    if (!has(name)) continue;
    const exported = Object.keys(load(name));
    if (exported.length === 0) throw new Error(name + ": no exports");
    checked.push(name);
  }
  console.log("ok: " + checked.join(", "));
`;

const names = Object.keys(tarballs).filter((name) => name.startsWith("@taskhook/"));
const dependencies = Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`]));
const overrides = { ...dependencies };
Object.assign(dependencies, quickStartDependencies(root));
for (const kind of ["module", "commonjs"]) {
  const dir = join(work, kind);
  mkdirSync(dir);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: `pack-check-${kind}`, private: true, type: kind, dependencies, overrides }, null, 2),
  );
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], dir);
  const has = `const has = (name) => ${JSON.stringify(names)}.includes(name);`;
  if (kind === "module") {
    const specifiers = [...names, "@taskhook/core/adapter"];
    const imports = specifiers.map((name, i) => `import * as m${i} from ${JSON.stringify(name)};`).join("\n");
    const table = `const modules = { ${specifiers.map((name, i) => `${JSON.stringify(name)}: m${i}`).join(", ")} };`;
    writeFileSync(
      join(dir, "check.mjs"),
      `${imports}\n${table}\nconst load = (name) => modules[name];\n${has}\n${smoke}`,
    );
    process.stdout.write(`ESM: ${run("node", ["check.mjs"], dir)}`);
  } else {
    writeFileSync(
      join(dir, "check.cjs"),
      `const load = (name) => require(name);\n${has}\n(async () => {${smoke}})().catch((e) => { console.error(e); process.exit(1); });`,
    );
    process.stdout.write(`CJS: ${run("node", ["check.cjs"], dir)}`);
  }
  const ran = await runQuickStarts(packages, kind === "module" ? "esm" : "cjs", dir);
  console.log(`README quick starts run as written (${kind}): ${ran.join(", ")}`);
}
if (tarballs.taskhook) {
  const help = run("node", [join(work, "module", "node_modules", "taskhook", readBin(join(work, "module")))], work);
  if (!/listen/.test(help)) throw new Error("taskhook CLI: --help does not mention listen");
  console.log("CLI: taskhook --help ok");
}
rmSync(work, { recursive: true, force: true });

function readBin(project) {
  const manifest = JSON.parse(readFileSync(join(project, "node_modules", "taskhook", "package.json"), "utf8"));
  return typeof manifest.bin === "string" ? manifest.bin : manifest.bin.taskhook;
}
