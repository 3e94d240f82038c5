// Takes docs/inspector.png, the README's picture of `taskhook listen --ui`, from the built CLI:
// `pnpm --filter taskhook screenshot` (needs Chromium: apt-get install chromium).
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const output = fileURLToPath(new URL("../docs/inspector.png", import.meta.url));
const secret = "sk_screenshot";
const children = [];

function start(args) {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  children.push(child);
  let stderr = "";
  return (pattern) =>
    new Promise((resolve, reject) => {
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        const match = pattern.exec(stderr);
        if (match) resolve(match[1]);
      });
      child.on("close", () => reject(new Error(`taskhook exited: ${stderr}`)));
    });
}

function send(url, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, "send", url, ...args], { stdio: "ignore" });
    child.on("close", resolve);
  });
}

const app = await start(["listen", "--port", "0", "--path", "/beam", "--secret", secret])(/listening on (\S+)/);
const waitFor = start([
  "listen",
  "--port",
  "0",
  "--path",
  "/beam",
  "--secret",
  secret,
  "--forward-to",
  app,
  "--ui",
  "--ui-port",
  "0",
]);
const listen = await waitFor(/listening on (\S+)/);
const inspector = await waitFor(/inspector on (\S+)/);

const profile = await mkdtemp(join(tmpdir(), "taskhook-screenshot-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.TASKHOOK_CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1280, height: 760 },
  deviceScaleFactor: 1,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
try {
  const page = await context.newPage();
  await page.goto(inspector);
  await page.locator("#connection", { hasText: "live" }).waitFor();
  const id = () => randomUUID();
  const stale = String(Math.floor(Date.now() / 1000) - 600);
  await send(listen, ["--secret", secret, "--task-id", id(), "--data", '{"result": 10}']);
  await send(listen, [
    "--secret",
    secret,
    "--task-id",
    id(),
    "--status",
    "ERROR",
    "--data",
    '{"error": "CUDA out of memory"}',
  ]);
  await send(listen, ["--secret", "sk_old_key", "--task-id", id()]);
  await send(listen, ["--secret", secret, "--task-id", id(), "--timestamp", stale]);
  await send(listen, ["--secret", secret, "--task-id", id(), "--status", "CANCELLED"]);
  const data = {
    model: "llama-3-8b",
    outputs: [
      { prompt: "Summarize the report", text: "Revenue grew 12% year over year…", tokens: 212 },
      { prompt: "List the risks", text: "Supply chain, currency, churn", tokens: 48 },
    ],
    timings: { queued_ms: 140, run_ms: 3812 },
    cached: false,
  };
  await send(listen, ["--secret", secret, "--task-id", id(), "--data", JSON.stringify(data)]);
  await page.locator("#rows tr").nth(5).waitFor();
  await page.locator("#rows tr").first().click();
  await page.locator("#replay").click();
  await page.locator('#rows tr[data-verdict="duplicate at target"]').waitFor();
  await page.locator("#rows tr").nth(1).click();
  await page.locator("#d-data details").first().waitFor();
  await page.screenshot({ path: output });
  console.log(`wrote ${output}`);
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
  for (const child of children) child.kill();
}
