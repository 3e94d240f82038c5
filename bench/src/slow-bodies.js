// Peak RSS of an Express receiver while `connections` clients each trickle a large body
// slowly, the attack of issue 16: `no-headers` sends no X-Task-* header at all (refused from
// its headers), `forged` sends well-formed headers with a fresh timestamp and a forged
// signature (only the body can tell it apart, so it is read, within maxBodyBytesInFlight).
//
//   node src/slow-bodies.js [--scenario no-headers|forged] [--connections 100]
//                           [--body-mib 9.5] [--seconds 25]
import { fork } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    scenario: { type: "string", default: "no-headers" },
    connections: { type: "string", default: "100" },
    "body-mib": { type: "string", default: "9.5" },
    seconds: { type: "string", default: "25" },
  },
});
const MiB = 1024 * 1024;
const connections = Number(values.connections);
const bodyBytes = Math.round(Number(values["body-mib"]) * MiB);
const seconds = Number(values.seconds);
const chunk = Buffer.alloc(64 * 1024, 0x20);
const chunksPerBody = Math.ceil(bodyBytes / chunk.length);
const gapMs = (seconds * 1000) / chunksPerBody;

function head(port) {
  const lines = [`POST /beam HTTP/1.1`, `Host: 127.0.0.1:${port}`, "Content-Type: application/json"];
  lines.push(`Content-Length: ${chunksPerBody * chunk.length}`);
  if (values.scenario === "forged") {
    lines.push(`X-Task-ID: ${crypto.randomUUID()}`, "X-Task-Status: COMPLETE");
    lines.push(`X-Task-Timestamp: ${Math.floor(Date.now() / 1000)}`, `X-Task-Signature: ${"0".repeat(64)}`);
  }
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** One client: the head at once, then the body a chunk every `gapMs`, until answered or closed. */
function attack(port, started) {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let sent = 0;
    let answer;
    let timer;
    const finish = () => {
      clearInterval(timer);
      socket.destroy();
      resolve({ status: answer?.status ?? "closed", answeredMs: answer?.ms, sentBytes: sent * chunk.length });
    };
    socket.on("data", (data) => {
      answer ??= { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data.toString("latin1"))?.[1]), ms: Date.now() - started };
    });
    socket.on("error", finish);
    socket.on("close", finish);
    socket.once("connect", () => {
      socket.write(head(port));
      timer = setInterval(() => {
        if (answer !== undefined || sent >= chunksPerBody) {
          clearInterval(timer);
          // Wait for the answer (and its close) a while after the last chunk; a loaded server is slow.
          setTimeout(finish, answer === undefined ? 15_000 : 500);
          return;
        }
        socket.write(chunk);
        sent++;
      }, gapMs);
    });
  });
}

const child = fork(fileURLToPath(new URL("./slow-bodies-server.js", import.meta.url)), {
  execArgv: ["--expose-gc"],
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
const next = () => new Promise((resolve) => child.once("message", resolve));
const { port, baseline } = await next();
const started = Date.now();
const results = await Promise.all(Array.from({ length: connections }, () => attack(port, started)));
child.send("report");
const { peak } = await next();
child.send("stop");

const statuses = {};
for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
const answered = results
  .map((r) => r.answeredMs)
  .filter((ms) => ms !== undefined)
  .sort((a, b) => a - b);
const mb = (bytes) => Math.round(bytes / 1e6);
console.log(
  JSON.stringify({
    scenario: values.scenario,
    connections,
    bodyMiB: Number(values["body-mib"]),
    trickleSeconds: seconds,
    baselineRssMB: mb(baseline),
    peakRssMB: mb(peak),
    statuses,
    medianAnswerMs: answered[Math.floor(answered.length / 2)] ?? null,
    bodyMiBSentPerConnection: Number((results.reduce((sum, r) => sum + r.sentBytes, 0) / connections / MiB).toFixed(2)),
    durationS: Math.round((Date.now() - started) / 1000),
  }),
);
