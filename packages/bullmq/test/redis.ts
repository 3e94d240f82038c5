// Where these tests get Redis: the one call to swap for the repository's shared discovery
// helper once it exists. REDIS_URL if set (never stopped by us), else a redis-server of our
// own; without one, the tests are skipped with a notice, or fail when CI=true.
import { type RedisServer, startRedis } from "../../redis/scripts/redis-server.mjs";

export type TestRedis = Pick<RedisServer, "url" | "port"> & Partial<Pick<RedisServer, "start" | "stop">>;

export async function findRedis(): Promise<TestRedis | undefined> {
  const url = process.env.REDIS_URL;
  if (url !== undefined && url !== "") return { url, port: Number(new URL(url).port || 6379) };
  try {
    return await startRedis();
  } catch (error) {
    if (process.env.CI === "true") throw error;
    console.warn(`@taskhook/bullmq: skipping the Redis tests, no redis-server (${(error as Error).message}).`);
    return undefined;
  }
}
