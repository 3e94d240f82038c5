import { fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const receiver = fileURLToPath(new URL("./receiver.mjs", import.meta.url));

/**
 * Forks a receiver.mjs instance and waits until it listens.
 * @param {{ redisUrl: string, client?: string, secret: string }} options
 * @returns {Promise<{ url: string, stats(): Promise<{ handled: Record<string, number>, statuses: Record<string, number>, cpuMs: number }>, stop(): Promise<void> }>}
 */
export async function startReceiver({ redisUrl, client = "ioredis", secret }) {
  const child = fork(receiver, [], {
    env: { ...process.env, REDIS_URL: redisUrl, REDIS_CLIENT: client, SECRET: secret },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const [message] = await Promise.race([
    once(child, "message"),
    once(child, "exit").then(([code]) => {
      throw new Error(`receiver (${client}) exited with ${code} before listening`);
    }),
  ]);
  child.unref();
  child.channel?.unref();
  return {
    url: `http://127.0.0.1:${message.port}/`,
    async stats() {
      child.channel?.ref();
      try {
        const reply = once(child, "message");
        child.send({ type: "stats" });
        const [stats] = await reply;
        return stats;
      } finally {
        child.channel?.unref();
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.ref();
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}
