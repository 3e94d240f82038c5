import { createTestCallback } from "@taskhook/core";
import pc from "picocolors";
import { curlCommand } from "./format.js";
import { callbackOptions, exitCodes, exitCodesHelp, parse, parseUrl, readCallbackOptions } from "./options.js";

const signHelp = `Usage: taskhook sign [options]

Signs a callback exactly as Beam would and prints its headers, its body and a ready curl
command, to test a receiver by hand. The signature holds for the receiver's tolerance
(taskhook's default: 60 s), so run the curl command soon or pass --timestamp.

Options:
  --secret S          signing key, sk_ prefix included (default: $TASKHOOK_SECRET)
  --data JSON         the task's return value (default: {})
  --data-file PATH    read the return value as JSON from a file, - for stdin
  --status STATUS     X-Task-Status (default: COMPLETE)
  --task-id ID        X-Task-ID (default: a random UUID)
  --timestamp N       Unix seconds to sign with (default: now)
  --url URL           where the curl command posts (default: http://127.0.0.1:4000/)
  --json              print {"headers", "body", "curl"} as one JSON object
  -h, --help          show this help

${exitCodesHelp}

Example:
  taskhook sign --secret sk_test --data '{"result": 10}'`;

export async function signCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { ...callbackOptions, url: { type: "string" } });
  if (values.help) {
    process.stdout.write(`${signHelp}\n`);
    return exitCodes.ok;
  }
  const { secret, status, taskId, timestamp, data } = await readCallbackOptions(values);
  const url = parseUrl(values.url ?? "http://127.0.0.1:4000/", "--url");

  const callback = await createTestCallback({
    data,
    secret,
    status,
    ...(taskId === undefined ? {} : { taskId }),
    ...(timestamp === undefined ? {} : { timestamp }),
  });
  const headers = Object.entries(callback.headers);
  const curl = curlCommand(url.href, headers, callback.body);

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ headers: callback.headers, body: callback.body, curl })}\n`);
    return exitCodes.ok;
  }
  const lines = [
    pc.dim("# headers"),
    ...headers.map(([name, value]) => `${name}: ${value}`),
    "",
    pc.dim("# body"),
    callback.body,
    "",
    pc.dim("# curl"),
    curl,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return exitCodes.ok;
}
