// `pnpm test` must pass on any clone, wherever it is placed: no tracked file may read a path
// outside the repository. Flags `../shared` (the vectors' upstream: read only by the copy check),
// absolute paths to data places (/work, /tmp, /home, ...) and relative paths in code that climb
// out of the repository from the file that holds them.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

// The copy check compares the vectors with their upstream when it exists; this file names the patterns.
const allowed = new Set(["packages/conformance/test/vectors-copy.test.ts", "scripts/check-paths.mjs"]);
// Prose mentions paths without reading them; the vectors and the lockfile are data.
const skipped = /(\.md|^LICENSE|\/LICENSE|^pnpm-lock\.yaml|^packages\/conformance\/vectors\/.*)$/;
const code = /\.(ts|mts|cts|tsx|js|mjs|cjs|jsx|sh)$|^\.ci\//;

const upstream = /\.\.\/shared\b/;
const absolute = /["'`=\s(](\/(?:work|tmp|home|Users|root|mnt|srv|var\/tmp)\/[^"'`\s)]*)/;
const climbing = /["'`]((?:\.\.\/)+[^"'`\s]*)["'`]/g;

function problems(file, text) {
  const found = [];
  text.split("\n").forEach((line, i) => {
    const at = `${file}:${i + 1}`;
    if (upstream.test(line)) found.push(`${at}: reads ../shared (only the copy check may; tests read the copy)`);
    const abs = absolute.exec(line);
    if (abs) found.push(`${at}: absolute path ${abs[1]} (build it from import.meta.url or os.tmpdir())`);
    if (!code.test(file)) return;
    for (const [, path] of line.matchAll(climbing)) {
      const target = relative(root, resolve(root, dirname(file), path));
      if (target.startsWith("..")) found.push(`${at}: ${path} leaves the repository`);
    }
  });
  return found;
}

let files;
try {
  files = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" }).split("\0").filter(Boolean);
} catch (error) {
  console.error(`check-paths: needs a git checkout to list tracked files (${error.message})`);
  process.exit(1);
}

const found = files
  .filter((file) => !allowed.has(file) && !skipped.test(file))
  .flatMap((file) => {
    let text;
    try {
      text = readFileSync(join(root, file), "utf8");
    } catch {
      return []; // deleted in the work tree but still tracked
    }
    return problems(file, text);
  });

if (found.length > 0) {
  console.error(
    `Tracked files read paths outside the repository; a fresh clone has none of them.\n` +
      `Read in-repo files relative to import.meta.url (the vectors: packages/conformance/vectors/).\n` +
      found.map((line) => `  ${line}`).join("\n"),
  );
  process.exit(1);
}
