import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`), or the one named by TASKHOOK_CHROMIUM. */
export const chromiumPath = process.env.TASKHOOK_CHROMIUM ?? "/usr/bin/chromium";
const found = existsSync(chromiumPath);

/**
 * Whether to skip the browser tests: only outside CI, and saying so in one line. In CI a
 * missing Chromium fails them instead (the launch names what to install).
 */
export const skipBrowser = !found && process.env.CI !== "true";
if (skipBrowser) {
  console.warn(
    `inspector browser tests skipped: no Chromium at ${chromiumPath}; install it (Debian: apt-get install chromium) or set TASKHOOK_CHROMIUM`,
  );
}

/** A fresh headless Chromium profile; `close()` removes it. */
export async function launchBrowser() {
  if (!found) throw new Error(`no Chromium at ${chromiumPath}: install it (Debian: apt-get install chromium)`);
  const profile = await mkdtemp(join(tmpdir(), "taskhook-chromium-"));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 760 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  context.setDefaultTimeout(10_000);
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Collects what the page logs as an error, and every request it makes off its own origin. */
export function watchPage(page: Page, origin: string) {
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("request", (request) => {
    if (!request.url().startsWith(origin)) foreign.push(request.url());
  });
  return { errors, foreign };
}
