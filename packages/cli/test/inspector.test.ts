import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestCallback } from "@taskhook/core";
import { DEFAULT_MAX_BODY_BYTES } from "@taskhook/core/adapter";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, skipBrowser, watchPage } from "./browser.js";
import { cleanup, run, startListen } from "./helpers.js";

const secret = "sk_cli_test";
let browser: Awaited<ReturnType<typeof launchBrowser>>;
const dirs: string[] = [];

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), "taskhook-inspector-"));
  dirs.push(dir);
  return dir;
}

/** `taskhook listen --ui` and its page, open and live. */
async function openInspector(args: string[] = []) {
  const listen = await startListen(["--json", "--secret", secret, "--ui", "--ui-port", "0", ...args]);
  const [, inspectorUrl] = await listen.stderrMatch(/inspector on (http:\/\/\S+)/);
  const page = await browser.context.newPage();
  const watched = watchPage(page, new URL(inspectorUrl as string).origin);
  await page.goto(inspectorUrl as string);
  await page.locator("#connection", { hasText: "live" }).waitFor();
  return { listen, page, inspectorUrl: inspectorUrl as string, ...watched };
}

const eventually = { timeout: 10_000 };
const row = (page: Page, verdict: string) => page.locator(`#rows tr[data-verdict="${verdict}"]`);

describe.skipIf(skipBrowser)("the inspector in Chromium", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  afterEach(cleanup);

  it("loads without console errors or requests to anywhere else", async () => {
    const { page, errors, foreign, listen } = await openInspector();
    await expect.poll(() => page.locator("h1").textContent(), eventually).toBe("taskhook inspector");
    expect(await page.locator("#hint").textContent()).toContain(`taskhook send ${listen.url}`);
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
  });

  it("shows a callback sent with taskhook send as it arrives, with its verdict and data", async () => {
    const { page, errors, listen } = await openInspector();
    const started = performance.now();
    const appeared = row(page, "accepted")
      .waitFor()
      .then(() => performance.now() - started);
    const sent = run(["send", listen.url, "--secret", secret, "--task-id", "task-live", "--data", '{"result": 10}']);
    const ms = await appeared;
    expect((await sent).code).toBe(0);
    console.info(`inspector: taskhook send -> row visible in ${Math.round(ms)} ms (includes starting node for send)`);

    // The same without starting a process: from the request to the row on screen.
    const direct = await createTestCallback({ data: 1, secret, taskId: "task-direct" });
    const posted = performance.now();
    await fetch(listen.url, { method: "POST", headers: direct.headers, body: direct.body });
    await page.locator('#rows td.task:text-is("task-direct")').waitFor();
    console.info(`inspector: HTTP request -> row visible in ${Math.round(performance.now() - posted)} ms`);

    const accepted = row(page, "accepted").last();
    await expect.poll(() => accepted.locator("td.task").textContent(), eventually).toBe("task-live");
    await expect.poll(() => accepted.locator("td.status").textContent(), eventually).toBe("COMPLETE");
    await accepted.click();
    await expect.poll(() => page.locator("#d-task").textContent(), eventually).toBe("task-live");
    await expect.poll(() => page.locator("#d-data .leaf").textContent(), eventually).toBe("result: 10");
    await expect.poll(() => page.locator("#d-headers").textContent(), eventually).toContain("X-Task-Signature");
    await expect.poll(() => page.locator("#d-body").textContent(), eventually).toBe('{"data": {"result": 10}}');
    await expect.poll(() => page.locator("#refusal").isHidden(), eventually).toBe(true);
    expect(errors).toEqual([]);
  });

  it("shows why a refused callback was refused: its code, message and diagnosis", async () => {
    const { page, errors, listen } = await openInspector();
    // Signed, then parsed and written again on the way (compact JSON): the signature no longer matches.
    const signed = await createTestCallback({ data: { result: 10 }, secret, taskId: "task-bad" });
    const rewritten = JSON.stringify(JSON.parse(signed.body));
    await fetch(listen.url, { method: "POST", headers: signed.headers, body: rewritten });
    await row(page, "INVALID_SIGNATURE").click();
    await expect.poll(() => page.locator("#refusal").isVisible(), eventually).toBe(true);
    await expect.poll(() => page.locator("#r-code").textContent(), eventually).toBe("INVALID_SIGNATURE");
    await expect.poll(() => page.locator("#r-message").textContent(), eventually).toContain("X-Task-Signature");
    await expect
      .poll(() => page.locator("#r-diagnosis li strong").first().textContent(), eventually)
      .toBe("BODY_RESERIALIZED");
    await expect.poll(() => page.locator("#d-task").textContent(), eventually).toBe("task-bad");
    expect(errors).toEqual([]);
  });

  it("replays to the forward target, which answers with a duplicate: a second row", async () => {
    const target = await startListen(["--json", "--secret", secret]);
    const { page, errors, listen } = await openInspector(["--forward-to", target.url]);
    await run(["send", listen.url, "--secret", secret, "--task-id", "task-twice"]);
    await row(page, "accepted").click();
    await expect.poll(() => page.locator("#replay").textContent(), eventually).toBe("Replay to the forward target");
    await page.locator("#replay").click();
    const duplicate = row(page, "duplicate at target");
    await expect.poll(() => duplicate.locator("td.task").textContent(), eventually).toBe("task-twice");
    await expect
      .poll(() => page.locator("#action-result").textContent(), eventually)
      .toContain('HTTP 200 {"received":true,"duplicate":true}');
    expect(await target.json(1)).toMatchObject({ ok: true, taskId: "task-twice", duplicate: true });
    await duplicate.click();
    await expect
      .poll(() => page.locator("#forward").textContent(), eventually)
      .toContain(`sent to ${target.url}: answered 200`);
    expect(errors).toEqual([]);
  });

  it("downloads a recording identical to --record's, which taskhook replay sends again", async () => {
    const dir = await tempDir();
    const { page, errors, listen } = await openInspector(["--record", dir]);
    await run(["send", listen.url, "--secret", secret, "--task-id", "task-file", "--data", '{"n": [1, 2]}']);
    await row(page, "accepted").click();
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#download").click()]);
    const saved = join(await tempDir(), download.suggestedFilename());
    await download.saveAs(saved);
    expect(download.suggestedFilename()).toMatch(/^\d{8}T\d{9}Z-000001-task-file\.json$/);
    const [recorded] = await readdir(dir);
    expect(JSON.parse(await readFile(saved, "utf8"))).toEqual(
      JSON.parse(await readFile(join(dir, recorded as string), "utf8")),
    );

    const replayed = await run(["replay", saved, "--to", listen.url]);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain('{"received":true,"duplicate":true}');
    await expect.poll(() => row(page, "duplicate").locator("td.task").textContent(), eventually).toBe("task-file");
    expect(errors).toEqual([]);
  });

  it("copies a curl command that sends the same request again", async () => {
    const { page, listen } = await openInspector();
    await run(["send", listen.url, "--secret", secret, "--data", '{"quote": "it\'s"}']);
    await row(page, "accepted").click();
    await page.locator("#curl").click();
    await expect.poll(() => page.locator("#curl-text").textContent(), eventually).toContain("curl -sS");
    const curl = await page.locator("#curl-text").textContent();
    expect(curl).toContain(`curl -sS -X POST ${listen.url}`);
    expect(curl).toContain(`--data-binary '{"data": {"quote": "it'\\''s"}}'`);
  });

  it("shows attacker-chosen task ids, headers and bodies as text, never as markup", async () => {
    const { page, errors, listen } = await openInspector();
    const markup = `<img src=x onerror="document.title='pwned'">`;
    await fetch(listen.url, {
      method: "POST",
      headers: { "X-Task-ID": markup, "X-Evil": markup, "X-Task-Timestamp": "1", "X-Task-Signature": "00" },
      body: JSON.stringify({ data: { [markup]: markup } }),
    });
    const refused = page.locator("#rows tr").first();
    await expect.poll(() => refused.locator("td.task").textContent(), eventually).toBe(markup);
    await refused.click();
    await expect.poll(() => page.locator("#d-task").textContent(), eventually).toBe(markup);
    await expect.poll(() => page.locator("#d-headers").textContent(), eventually).toContain(`X-Evil${markup}`);
    await expect.poll(() => page.locator("#d-data").textContent(), eventually).toContain(markup);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.title()).toBe("taskhook inspector");
    expect(errors).toEqual([]);
  });

  it("stays usable with 1,000 callbacks and the largest body listen accepts", async () => {
    const { page, errors, listen } = await openInspector();
    const callbacks = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => createTestCallback({ data: { i }, secret, taskId: `bulk-${i}` })),
    );
    for (let i = 0; i < callbacks.length; i += 50) {
      await Promise.all(
        callbacks.slice(i, i + 50).map(({ headers, body }) => fetch(listen.url, { method: "POST", headers, body })),
      );
    }
    await expect.poll(() => page.locator("#rows tr").count(), eventually).toBe(1000);
    await expect.poll(() => page.locator("#count").textContent(), eventually).toBe("1000 requests");

    // A body of listen's whole limit: the page shows its start, the download has all of it.
    const filler = "x".repeat(DEFAULT_MAX_BODY_BYTES - 64);
    const big = await createTestCallback({ data: { filler }, secret, taskId: "big" });
    expect((await fetch(listen.url, { method: "POST", headers: big.headers, body: big.body })).status).toBe(200);
    const bigRow = page.locator('#rows tr:has(td.task:text-is("big"))');
    await bigRow.waitFor();
    const started = performance.now();
    await bigRow.click();
    await expect
      .poll(() => page.locator("#d-body-note").textContent(), eventually)
      .toContain("Showing the first 256.0 KiB of");
    console.info(
      `inspector: ${(big.body.length / 1024 / 1024).toFixed(1)} MiB body: click -> detail shown in ${Math.round(performance.now() - started)} ms`,
    );
    await expect.poll(() => page.locator("#d-data").textContent(), eventually).toContain("more characters");
    // Moving through a long list with the keyboard.
    await page.keyboard.press("ArrowDown");
    await expect.poll(() => page.locator("#d-task").textContent(), eventually).toMatch(/^bulk-\d+$/);
    await page.keyboard.press("ArrowUp");
    await expect.poll(() => page.locator("#d-task").textContent(), eventually).toBe("big");
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#download").click()]);
    const saved = join(await tempDir(), "big.json");
    await download.saveAs(saved);
    const file = JSON.parse(await readFile(saved, "utf8"));
    expect(Buffer.from(file.bodyBase64, "base64").toString("utf8")).toBe(big.body);
    expect(errors).toEqual([]);
  });
});
