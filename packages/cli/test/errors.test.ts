import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, run, startListen } from "./helpers.js";

const secret = "sk_cli_test";
afterEach(cleanup);
const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version;

function expectOneLine(result: { code: number | null; stdout: string; stderr: string }, code: number, text: string) {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe("");
  expect(result.stderr.endsWith("\n")).toBe(true);
  expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(result.stderr).toContain(text);
}

describe("help and version", () => {
  it.each(["listen", "send", "sign"])("taskhook %s --help", async (command) => {
    const result = await run([command, "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: taskhook ${command}`);
    expect(result.stdout).toContain("Exit codes:\n  0  success\n  1  failure");
    expect(result.stdout).toContain("2  usage error");
  });

  it("lists the commands on --help and exits 2 without a command", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/listen .*\n {2}send URL .*\n {2}sign /);
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage: taskhook <command>");
  });

  it("prints the package version", async () => {
    expect(await run(["--version"])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });
});

describe("one-line errors, exit code 2", () => {
  it.each([["send", "http://127.0.0.1:9/"], ["sign"], ["listen"]])("a missing secret: %s", async (...args) => {
    expectOneLine(
      await run(args),
      2,
      `taskhook ${args[0]}: no signing key: pass --secret sk_... or set TASKHOOK_SECRET`,
    );
  });

  it("a bad URL", async () => {
    expectOneLine(await run(["send", "localhost:4000", "--secret", secret]), 2, 'URL "localhost:4000"');
    expectOneLine(await run(["send", "not a url", "--secret", secret]), 2, 'URL "not a url" is not a URL');
    expectOneLine(await run(["send", "--secret", secret]), 2, "taskhook send: URL is required");
    expectOneLine(
      await run(["listen", "--secret", secret, "--forward-to", "ftp://x/"]),
      2,
      '--forward-to "ftp://x/" must be an http:// or https:// URL',
    );
    expectOneLine(await run(["sign", "--secret", secret, "--url", "::"]), 2, '--url "::" is not a URL');
  });

  it("an unreadable file", async () => {
    expectOneLine(
      await run(["sign", "--secret", secret, "--data-file", "/nonexistent/data.json"]),
      2,
      "taskhook sign: cannot read --data-file /nonexistent/data.json (no such file)",
    );
    expectOneLine(
      await run(["send", "http://127.0.0.1:9/", "--secret", secret, "--data-file", "/"]),
      2,
      "cannot read --data-file / (it is a directory)",
    );
  });

  it("invalid JSON", async () => {
    expectOneLine(await run(["sign", "--secret", secret, "--data", "{result: 10}"]), 2, "--data is not valid JSON (");
    expectOneLine(
      await run(["send", "http://127.0.0.1:9/", "--secret", secret, "--data-file", "-"], { input: "{" }),
      2,
      "stdin is not valid JSON (",
    );
  });

  it("bad options", async () => {
    expectOneLine(await run(["send", "http://127.0.0.1:9/", "--nope"]), 2, "Unknown option '--nope'");
    expectOneLine(await run(["sign", "--secret", secret, "--timestamp", "soon"]), 2, "--timestamp must be Unix time");
    expectOneLine(
      await run(["sign", "--secret", secret, "--status", "done"]),
      2,
      "--status must be an upper-case word",
    );
    expectOneLine(await run(["sign", "--secret", secret, "--data", "1", "--data-file", "x"]), 2, "not both");
    expectOneLine(await run(["listen", "--secret", secret, "--port", "70000"]), 2, "--port must be 0 to 65535");
    expectOneLine(await run(["listen", "--secret", secret, "--path", "beam"]), 2, "--path must start with /");
    expectOneLine(await run(["frob"]), 2, 'taskhook: unknown command "frob"');
  });
});

describe("exit code 1", () => {
  it("when the port is taken", async () => {
    const first = await startListen(["--secret", secret]);
    const port = new URL(first.url).port;
    expectOneLine(
      await run(["listen", "--secret", secret, "--port", port]),
      1,
      `port ${port} on 127.0.0.1 is already in use`,
    );
    await first.stop();
  });
});
