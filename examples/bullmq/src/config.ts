// What the receiver and the worker share: the key, the queue name and where Redis is.
export const secret = process.env.TASKHOOK_SECRET ?? "";
if (!secret) {
  console.error("Set TASKHOOK_SECRET to your Beam signing key (sk_...).");
  process.exit(1);
}

export const queueName = "beam-callbacks";

const redis = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
export const connection = {
  host: redis.hostname,
  port: Number(redis.port || 6379),
  ...(redis.password ? { password: decodeURIComponent(redis.password) } : {}),
};
