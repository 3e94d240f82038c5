// `pnpm demo`: starts every receiver below on 127.0.0.1, has each one sent a valid, a
// tampered, a stale, a wrong-key and a duplicate callback by `sendCallback` (which behaves
// like Beam's sender, retries included), and prints one table. Exits 0 only when every
// cell is as expected.
//
// A receiver is `{ name, start({ secret, onCallback }) -> Promise<{ url, close }> }`: it
// must call `onCallback(callback)` each time its handler runs (so the demo can tell a
// duplicate was acknowledged without running it again), and `close()` resolves once it has
// stopped. Adding an adapter is one entry in `receivers`.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { sendCallback } from "@taskhook/core";
import { createCallbackProcessor } from "@taskhook/core/adapter";
import { taskCallback as expressCallback } from "@taskhook/express";
import { taskCallback as fastifyCallback } from "@taskhook/fastify";
import { createCallbackHandler } from "@taskhook/fetch";
import { taskCallback } from "@taskhook/hono";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";

const secret = "sk_demo_signing_key";
const data = { result: 10, caption: "café" };
const deadline = setTimeout(() => {
  console.error("demo: gave up after 25 s");
  process.exit(1);
}, 25_000);
deadline.unref();

// Each adapter is one entry (and a root devDependency, so this script can import it); a
// Node-server adapter (express, fastify) returns `listenOn(itsNodeHttpServer)`.
const receivers = [
  { name: "@taskhook/fetch", start: (options) => serveFetch(createCallbackHandler(options)) },
  { name: "@taskhook/hono", start: (options) => serveFetch(new Hono().post("/", taskCallback(options)).fetch) },
  {
    name: "@taskhook/express",
    start: (options) => listenOn(createServer(express().post("/", expressCallback(options)))),
  },
  { name: "@taskhook/fastify", start: startFastify },
  { name: "@taskhook/core on node:http", start: startCoreOnNodeHttp },
  { name: "taskhook listen (CLI)", start: startCliListen },
];

// Each case sends with `sendCallback` and says what came back; `expect` judges the cell once
// the receiver has stopped, from the statuses and how often the handler ran for the task.
const cases = [
  {
    name: "valid",
    send: (url, taskId) => deliver(url, { taskId }),
    expect: ({ statuses, runs }) => statuses[0] === 200 && runs === 1,
  },
  {
    name: "tampered",
    // A proxy that changes the body after signing: the signature no longer matches.
    send: (url, taskId) =>
      deliver(url, {
        taskId,
        fetch: (target, init) => fetch(target, { ...init, body: init.body.replace("10", "11") }),
      }),
    expect: ({ statuses, codes, runs }) => statuses[0] === 401 && codes[0] === "INVALID_SIGNATURE" && runs === 0,
  },
  {
    name: "stale",
    send: (url, taskId) => deliver(url, { taskId, timestamp: Math.floor(Date.now() / 1000) - 3600 }),
    expect: ({ statuses, codes, runs }) => statuses[0] === 401 && codes[0] === "TIMESTAMP_EXPIRED" && runs === 0,
  },
  {
    name: "wrong key",
    send: (url, taskId) => deliver(url, { taskId, secret: "sk_some_other_workspace" }),
    expect: ({ statuses, codes, runs }) => statuses[0] === 401 && codes[0] === "INVALID_SIGNATURE" && runs === 0,
  },
  {
    name: "duplicate",
    // The same signed request twice, as a replay or a retry after a lost answer would be.
    send: async (url, taskId) => {
      const timestamp = Math.floor(Date.now() / 1000);
      const first = await deliver(url, { taskId, timestamp });
      const second = await deliver(url, { taskId, timestamp });
      return { statuses: [second.statuses[0], first.statuses[0]], codes: [second.codes[0]] };
    },
    expect: ({ statuses, runs }) => statuses[0] === 200 && statuses[1] === 200 && runs === 1,
  },
];

const started = Date.now();
const rows = await Promise.all(receivers.map(runReceiver));
printTable(rows);
const failures = rows.flatMap((row) => row.cells.filter((cell) => !cell.ok).map((cell) => `${row.name}: ${cell.case}`));
console.log(
  failures.length === 0
    ? `\nAll ${rows.length * cases.length} cells as expected in ${((Date.now() - started) / 1000).toFixed(1)} s.`
    : `\nUnexpected: ${failures.join("; ")}`,
);
process.exit(failures.length === 0 ? 0 : 1);

async function runReceiver(receiver) {
  const runs = new Map();
  const onCallback = (callback) => runs.set(callback.taskId, (runs.get(callback.taskId) ?? 0) + 1);
  let server;
  try {
    server = await receiver.start({ secret, onCallback });
  } catch (error) {
    return {
      name: receiver.name,
      cells: cases.map((c) => ({ case: c.name, ok: false, text: "did not start" })),
      error,
    };
  }
  const results = [];
  try {
    for (const testCase of cases) {
      const taskId = crypto.randomUUID();
      try {
        results.push({ taskId, ...(await testCase.send(server.url, taskId)) });
      } catch (error) {
        results.push({ taskId, error });
      }
    }
  } finally {
    await server.close();
  }
  const cells = cases.map((testCase, i) => {
    const result = results[i];
    if (result.error) return { case: testCase.name, ok: false, text: `error: ${result.error.message}` };
    const seen = { ...result, runs: runs.get(result.taskId) ?? 0 };
    const status = seen.statuses[0];
    let text = status === undefined ? "no answer" : `${status} ${status < 300 ? "accepted" : "rejected"}`;
    if (testCase.name === "duplicate" && status < 300) text += seen.runs === 1 ? ", ran once" : `, ran ${seen.runs}x`;
    const ok = testCase.expect(seen);
    if (!ok && seen.codes[0]) text += ` (${seen.codes[0]})`;
    return { case: testCase.name, ok, text };
  });
  return { name: receiver.name, cells };
}

async function deliver(url, options) {
  const result = await sendCallback(url, { data, secret, responseTimeoutMs: 5000, ...options });
  const last = result.attempts.at(-1);
  let code;
  try {
    code = JSON.parse(last.body ?? "").error?.code;
  } catch {}
  return { statuses: [result.status], codes: [code] };
}

function printTable(rows) {
  const header = ["receiver", ...cases.map((c) => c.name)];
  const body = rows.map((row) => [row.name, ...row.cells.map((cell) => `${cell.ok ? "✓" : "✗"} ${cell.text}`)]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((line) => line[i].length)));
  const format = (line) =>
    line
      .map((text, i) => text.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  console.log(format(header));
  console.log(format(widths.map((w) => "-".repeat(w))));
  for (const line of body) console.log(format(line));
  console.log(
    "\nExpected: valid 200; tampered and wrong key 401 INVALID_SIGNATURE; stale 401 TIMESTAMP_EXPIRED;" +
      "\nduplicate 200 twice with the handler run once. Beam-style senders never retry a 4xx.",
  );
  for (const row of rows) if (row.error) console.log(`${row.name} did not start: ${row.error.message}`);
}

// Receivers

async function startFastify(options) {
  const app = Fastify();
  await app.register(fastifyCallback, { path: "/", ...options });
  await app.listen({ host: "127.0.0.1", port: 0 });
  return { url: `http://127.0.0.1:${app.server.address().port}/`, close: () => app.close() };
}

async function startCoreOnNodeHttp({ secret, onCallback }) {
  const processor = createCallbackProcessor({ secret, onCallback, onError: () => {} });
  const server = createServer(async (req, res) => {
    const { status, headers, body } = await processor.process({ method: req.method, headers: req.headers, body: req });
    res.writeHead(status, headers).end(body);
  });
  return listenOn(server);
}

async function startCliListen({ secret, onCallback }) {
  const bin = fileURLToPath(new URL("../packages/cli/dist/cli.js", import.meta.url));
  const child = spawn(process.execPath, [bin, "listen", "--port", "0", "--json"], {
    env: { ...process.env, TASKHOOK_SECRET: secret, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((resolve) => child.on("close", resolve));
  let pending = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop();
    for (const line of lines) {
      const event = JSON.parse(line);
      if (event.ok && !event.duplicate) onCallback(event);
    }
  });
  let stderr = "";
  const url = await new Promise((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]);
    });
    exited.then(() => reject(new Error(stderr.trim() || "taskhook listen exited")));
  });
  return {
    url,
    close: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

// Serves a Web fetch handler `(Request) => Promise<Response>` on node:http.
function serveFetch(handler) {
  return listenOn(
    createServer(async (req, res) => {
      const headers = new Headers();
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const request = new Request(new URL(req.url, "http://127.0.0.1"), {
        method: req.method,
        headers,
        ...(hasBody ? { body: Readable.toWeb(req), duplex: "half" } : {}),
      });
      const response = await handler(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    }),
  );
}

async function listenOn(server) {
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}
