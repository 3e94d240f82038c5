import { accessSync, constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** $TASKHOOK_CHROMIUM, else Debian's `chromium` (or Ubuntu's `chromium-browser`) on PATH. */
export const chromiumPath = process.env.TASKHOOK_CHROMIUM ?? findOnPath(["chromium", "chromium-browser"]);
const found = chromiumPath !== undefined && isExecutable(chromiumPath);
const ci = !["", "0", "false"].includes((process.env.CI ?? "").toLowerCase());
const hint = "install it (Debian: apt-get install chromium) or set TASKHOOK_CHROMIUM to a Chromium binary";

/**
 * Whether to skip the browser tests: only outside CI, and saying so in one line. In CI a
 * missing Chromium fails them instead (the launch says what to install).
 */
export const skipBrowser = !found && !ci;
if (skipBrowser) console.warn(`inspector browser tests skipped: no Chromium found; ${hint}`);

function findOnPath(names: string[]): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    for (const name of names) if (dir !== "" && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A fresh headless Chromium profile; `close()` removes it. */
export async function launchBrowser() {
  if (!found) throw new Error(`CI is set and there is no Chromium for the inspector tests: ${hint}`);
  const profile = await mkdtemp(join(tmpdir(), "taskhook-chromium-"));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath as string,
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
