import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, run, startListen } from "./helpers.js";

const secret = "sk_cli_test";
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
  it.each(["listen", "send", "sign", "verify", "replay"])("taskhook %s --help", async (command) => {
    const result = await run([command, "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: taskhook ${command}`);
    expect(result.stdout).toContain("Exit codes:\n  0  success\n  1  failure");
    expect(result.stdout).toContain("2  usage error");
  });

  it("lists the commands on --help and without a command", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/listen .*\n {2}send URL .*\n {2}sign /);
    expect(await run([])).toEqual(help);
  });

  it("prints the package version", async () => {
    expect(await run(["--version"])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });
});

const usageErrors: Array<[string, string[], string, string?]> = [
  [
    "missing secret (send)",
    ["send", "http://127.0.0.1:9/"],
    "taskhook send: no signing key: pass --secret sk_... or set TASKHOOK_SECRET",
  ],
  ["missing secret (sign)", ["sign"], "taskhook sign: no signing key: pass --secret sk_... or set TASKHOOK_SECRET"],
  [
    "missing secret (listen)",
    ["listen"],
    "taskhook listen: no signing key: pass --secret sk_... or set TASKHOOK_SECRET",
  ],
  [
    "bad URL: no scheme",
    ["send", "localhost:4000", "--secret", secret],
    'URL "localhost:4000" must be an http:// or https:// URL',
  ],
  ["bad URL: not a URL", ["send", "not a url", "--secret", secret], 'taskhook send: URL "not a url" is not a URL'],
  ["bad URL: none", ["send", "--secret", secret], "taskhook send: URL is required"],
  [
    "bad URL: --forward-to",
    ["listen", "--secret", secret, "--forward-to", "ftp://x/"],
    '--forward-to "ftp://x/" must be an http:// or https:// URL',
  ],
  ["bad URL: --url", ["sign", "--secret", secret, "--url", "::"], '--url "::" is not a URL'],
  [
    "unreadable file",
    ["sign", "--secret", secret, "--data-file", "/nonexistent/data.json"],
    "taskhook sign: cannot read --data-file /nonexistent/data.json (no such file)",
  ],
  [
    "unreadable file: a directory",
    ["send", "http://127.0.0.1:9/", "--secret", secret, "--data-file", "/"],
    "cannot read --data-file / (it is a directory)",
  ],
  [
    "invalid JSON in --data",
    ["sign", "--secret", secret, "--data", "{result: 10}"],
    "taskhook sign: --data is not valid JSON (",
  ],
  [
    "invalid JSON on stdin",
    ["send", "http://127.0.0.1:9/", "--secret", secret, "--data-file", "-"],
    "stdin is not valid JSON (",
    "{",
  ],
  [
    "unknown option",
    ["send", "http://127.0.0.1:9/", "--nope"],
    "taskhook send: Unknown option '--nope' (see taskhook send --help)",
  ],
  ["bad --timestamp", ["sign", "--secret", secret, "--timestamp", "soon"], "--timestamp must be Unix time"],
  ["bad --status", ["sign", "--secret", secret, "--status", "done"], "--status must be an upper-case word"],
  ["--data and --data-file", ["sign", "--secret", secret, "--data", "1", "--data-file", "x"], "not both"],
  ["bad --port", ["listen", "--secret", secret, "--port", "70000"], "--port must be 0 to 65535"],
  ["bad --path", ["listen", "--secret", secret, "--path", "beam"], "--path must start with /"],
  ["unknown command", ["frob"], 'taskhook: unknown command "frob"'],
];

describe("one-line errors, exit code 2", () => {
  it.concurrent.each(usageErrors)("%s", async (_name, args, message, input) => {
    expectOneLine(await run(args, input === undefined ? {} : { input }), 2, message);
  });
});

describe("exit code 1", () => {
  afterEach(cleanup);

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
