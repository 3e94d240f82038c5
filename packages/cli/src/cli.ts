import { createRequire } from "node:module";
import pc from "picocolors";
import { listenCommand } from "./listen.js";
import { exitCodes, exitCodesHelp, UsageError } from "./options.js";
import { reconcileCommand } from "./reconcile.js";
import { replayCommand } from "./replay.js";
import { sendCommand } from "./send.js";
import { signCommand } from "./sign.js";
import { verifyCommand } from "./verify.js";

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  listen: listenCommand,
  send: sendCommand,
  replay: replayCommand,
  sign: signCommand,
  verify: verifyCommand,
  reconcile: reconcileCommand,
};

const help = `Usage: taskhook <command> [options]

Receive, send and sign Beam (beam.cloud) task callbacks.

Commands:
  listen    receive callbacks locally, verify them and print each one
  send URL  deliver a signed callback to URL, retrying exactly like Beam
  sign      print a signed callback's headers, body and a curl command
  verify    verify a captured callback and say why it is refused
  replay    send recorded callbacks again, byte for byte or signed anew
  reconcile find the finished Beam tasks whose callback never arrived, and deliver them

Run taskhook <command> --help for its options. The signing key comes from --secret or
the TASKHOOK_SECRET environment variable.

${exitCodesHelp}`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    process.stdout.write(`${help}\n`);
    return exitCodes.ok;
  }
  if (name === "-v" || name === "--version") {
    const { version } = createRequire(import.meta.url)("../package.json") as { version: string };
    process.stdout.write(`${version}\n`);
    return exitCodes.ok;
  }
  const command = commands[name];
  if (command === undefined) {
    fail(
      "taskhook",
      `unknown command "${name}"; the commands are listen, send, sign, verify, replay and reconcile (see taskhook --help)`,
    );
    return exitCodes.usage;
  }
  try {
    return await command(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      fail(`taskhook ${name}`, `${error.message} (see taskhook ${name} --help)`);
      return exitCodes.usage;
    }
    fail(`taskhook ${name}`, error instanceof Error ? error.message : String(error));
    return exitCodes.failed;
  }
}

function fail(prefix: string, message: string) {
  process.stderr.write(`${pc.red(`${prefix}:`)} ${message}\n`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    fail("taskhook", String(error));
    process.exitCode = exitCodes.failed;
  },
);
