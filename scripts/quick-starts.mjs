// Runs every package README's quick start as written, in the fresh projects scripts/pack-check.mjs
// installs from the packed tarballs: the ```js quickstart-esm blocks in the "type": "module"
// project, the ```js quickstart-cjs blocks in the CommonJS one. Each snippet is started as
// `node server.js` with BEAM_SIGNING_KEY and PORT set, must answer a callback signed as Beam signs
// it with 2xx (and log its task id) and a tampered one with 401, and is stopped afterwards.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { join } from "node:path";

/** The framework packages the quick starts import besides ours, with the versions the repository tests. */
export function quickStartDependencies(root) {
  const devDependencies = (dir) => JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")).devDependencies;
  const { express, fastify, hono } = devDependencies(".");
  return { express, fastify, hono, "@hono/node-server": devDependencies("packages/hono")["@hono/node-server"] };
}

/** The code of each fenced block tagged `quickstart-<kind>` in a README. */
export function extractQuickStarts(markdown, kind) {
  const fence = new RegExp(`^\`\`\`js quickstart-${kind}\\n([\\s\\S]*?)^\`\`\`$`, "gm");
  return [...markdown.matchAll(fence)].map((match) => match[1]);
}

/**
 * Runs every quick start of `packages` (`{ dir, manifest }`) of one kind in `project`. Returns
 * the names of the packages whose quick starts ran; throws on the first one that fails.
 */
export async function runQuickStarts(packages, kind, project) {
  const { createTestCallback } = createRequire(join(project, "package.json"))("@taskhook/core");
  const ran = [];
  for (const { dir, manifest } of packages) {
    const snippets = extractQuickStarts(readFileSync(join(dir, "README.md"), "utf8"), kind);
    for (const [i, code] of snippets.entries()) {
      const label = `${manifest.name} quick start ${i + 1} (${kind})`;
      writeFileSync(join(project, "server.js"), code);
      await runOne(label, project, createTestCallback);
      ran.push(label);
    }
  }
  return ran;
}

async function runOne(label, project, createTestCallback) {
  const secret = "sk_quick_start";
  const port = await freePort();
  const child = spawn(process.execPath, ["server.js"], {
    cwd: project,
    env: { ...process.env, BEAM_SIGNING_KEY: secret, PORT: String(port), NODE_ENV: "development" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    const url = `http://127.0.0.1:${port}/beam`;
    const callback = await createTestCallback({ data: { result: 10 }, secret });
    const valid = await sendWhenListening(url, callback, exited);
    if (Math.floor(valid.status / 100) !== 2) throw new Error(`answered ${valid.status} ${await valid.text()}`);
    if (!output.includes(callback.taskId)) throw new Error("the route did not log the callback");
    const tampered = await fetch(url, {
      method: "POST",
      headers: callback.headers,
      body: callback.body.replace("10", "11"),
    });
    if (tampered.status !== 401) throw new Error(`a tampered callback was answered ${tampered.status}`);
  } catch (error) {
    throw new Error(`${label}: ${error.message}\n--- its output ---\n${output}`);
  } finally {
    child.kill();
    await exited;
  }
}

/** Posts the callback once the snippet listens; fails when the snippet exits first or takes over 30 s. */
async function sendWhenListening(url, { headers, body }, exited) {
  const deadline = Date.now() + 30_000;
  let exitCode;
  exited.then((code) => (exitCode = code));
  for (;;) {
    try {
      return await fetch(url, { method: "POST", headers, body });
    } catch (error) {
      if (exitCode !== undefined) throw new Error(`exited with code ${exitCode} before listening`);
      if (Date.now() > deadline) throw new Error(`not listening after 30 s (${error.cause?.code ?? error.message})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
