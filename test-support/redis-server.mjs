// A throwaway redis-server on 127.0.0.1 for the tests and the load check: no persistence,
// a free port, and gone when its owner goes. redis-server does not notice its parent dying,
// so it runs under this file as a small supervisor, forked with an IPC channel: when the
// channel closes (the owner exited, crashed or was killed) the supervisor stops Redis.
import { fork, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
const REDIS_SERVER = process.env.REDIS_SERVER ?? "redis-server";

/**
 * Starts redis-server on a free port.
 * @returns {Promise<{ port: number, url: string, stop(): Promise<void>, start(): Promise<void> }>}
 *   `stop` ends it (its data is gone); `start` brings a fresh one up on the same port.
 */
export async function startRedis() {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await supervise(port);
    } catch (error) {
      // Another process may take the port between our probe and Redis binding it.
      if (attempt >= 3) throw error;
    }
  }
}

async function supervise(port) {
  let child;
  const start = async () => {
    child = fork(self, [String(port)], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    const [message] = await Promise.race([
      once(child, "message"),
      once(child, "exit").then(([code]) => [{ error: `redis-server supervisor exited with ${code}` }]),
    ]);
    if (message?.error) throw new Error(message.error);
    child.unref();
    child.channel?.unref();
  };
  const stop = async () => {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.ref();
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  };
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, start, stop };
}

/** A port nothing listens on now, on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// The supervisor: `node redis-server.mjs <port>`, forked by supervise().
if (process.argv[1] === self && process.send !== undefined) {
  const port = process.argv[2];
  const redis = spawn(
    REDIS_SERVER,
    ["--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  let ready = false;
  const collect = (chunk) => {
    if (ready) return;
    output += chunk;
    if (output.includes("Ready to accept connections")) {
      ready = true;
      process.send({ ready: true });
    }
  };
  redis.stdout.setEncoding("utf8").on("data", collect);
  redis.stderr.setEncoding("utf8").on("data", collect);
  redis.on("error", (error) => {
    process.send?.({ error: `cannot run ${REDIS_SERVER}: ${error.message}` });
    process.exit(1);
  });
  redis.on("exit", (code, signal) => {
    if (!ready) process.send?.({ error: `redis-server exited with ${signal ?? code}: ${output.slice(-500)}` });
    process.exit(ready ? 0 : 1);
  });
  const shutdown = () => redis.kill("SIGKILL");
  process.on("disconnect", shutdown);
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}
