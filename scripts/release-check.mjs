// What a release would do, checked without doing it (the release itself runs on GitHub, see
// .github/workflows/release.yml):
// 1. both workflows pass a workflow linter (they cannot run here);
// 2. every public package's publish dry run would upload exactly its `files` (plus the
//    manifest, README, LICENSE and CHANGELOG npm always adds), including every file its
//    `exports` point at, and its packed manifest has no `workspace:` range left.
// Usage: node scripts/release-check.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const run = (cmd, args, cwd = root) =>
  execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const problems = [];

for (const file of readdirSync(join(root, ".github/workflows"))) {
  try {
    run("pnpm", ["exec", "action-validator", join(".github/workflows", file)]);
  } catch (error) {
    problems.push(`.github/workflows/${file} fails the workflow lint:\n${error.stdout}${error.stderr}`);
  }
}

/** Every file path an `exports` map (or main/module/types) points at, without "./". */
function exportedFiles(manifest) {
  const paths = new Set();
  const walk = (value) => {
    if (typeof value === "string") paths.add(value.replace(/^\.\//, ""));
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(manifest.exports);
  for (const field of ["main", "module", "types"]) walk(manifest[field]);
  if (typeof manifest.bin === "string") walk(manifest.bin);
  else walk(manifest.bin);
  return [...paths].filter((path) => path !== "package.json");
}

const alwaysIncluded = new Set(["package.json", "README.md", "LICENSE", "CHANGELOG.md"]);
const work = mkdtempSync(join(tmpdir(), "taskhook-release-"));
const report = [];
try {
  for (const dir of readdirSync(join(root, "packages"))) {
    const cwd = join(root, "packages", dir);
    const manifest = JSON.parse(readFileSync(join(cwd, "package.json"), "utf8"));
    if (manifest.private) continue;
    const name = manifest.name;
    const dry = JSON.parse(run("pnpm", ["publish", "--dry-run", "--no-git-checks", "--json"], cwd));
    const published = (dry[name] ?? dry).files.map((file) => file.path);
    const allowed = (path) =>
      alwaysIncluded.has(path) || manifest.files.some((entry) => path === entry || path.startsWith(`${entry}/`));
    const extra = published.filter((path) => !allowed(path));
    const missing = exportedFiles(manifest).filter((path) => !published.includes(path));
    if (extra.length > 0) problems.push(`${name} would publish files outside "files": ${extra.join(", ")}`);
    if (missing.length > 0) problems.push(`${name} would publish without ${missing.join(", ")} (run the build first)`);

    const tarball = run("pnpm", ["pack", "--pack-destination", work], cwd).trim().split("\n").pop();
    const packed = run("tar", [
      "-xzOf",
      tarball.startsWith("/") ? tarball : join(work, tarball),
      "package/package.json",
    ]);
    if (packed.includes("workspace:")) problems.push(`${name}'s packed manifest still has a workspace: range`);
    report.push(`${name}@${manifest.version} (${published.length} files)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`release check failed:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log(`release check ok: workflows lint clean; publish dry run: ${report.join(", ")}`);
