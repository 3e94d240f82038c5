import type { IdempotencyStore } from "@taskhook/core";
import { Redis } from "ioredis";
import { Redis as RedisV5 } from "ioredis-v5";
import { createClient } from "redis";
import { createClient as createClientV4 } from "redis-v4";
import { createClient as createClientV5 } from "redis-v5";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { redisForTests, redisSuite } from "../../../test-support/redis.mjs";
import { type RedisClientLike, redisStore } from "../src/index.js";

// $REDIS_URL, else a redis-server of our own; none skips the Redis suites (CI=true fails instead).
const redis = await redisForTests();
let admin: Redis;
const closers: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  if (redis === undefined) return;
  admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  closers.push(() => admin.quit());
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await redis?.server?.stop();
});

// The fail-fast settings the README recommends, for each client the store supports.
const ioredisOptions = { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 1000 };
const nodeRedisOptions = (url: string) => ({ url, disableOfflineQueue: true, socket: { connectTimeout: 1000 } });

const clients: Array<[name: string, connect: (url: string) => Promise<RedisClientLike>]> = [
  ["ioredis 6", (url) => ready(new Redis(url, ioredisOptions))],
  ["ioredis 5", (url) => ready(new RedisV5(url, ioredisOptions))],
  ["node-redis 6", (url) => open(createClient(nodeRedisOptions(url)))],
  ["node-redis 5", (url) => open(createClientV5(nodeRedisOptions(url)))],
  ["node-redis 4", (url) => open(createClientV4(nodeRedisOptions(url)))],
];

async function ready<C extends Redis | RedisV5>(client: C): Promise<C> {
  closers.push(() => client.quit());
  await new Promise((resolve) => client.once("ready", resolve));
  return client;
}

async function open<
  C extends { connect(): Promise<unknown>; quit(): Promise<unknown>; on(e: "error", f: () => void): unknown },
>(client: C): Promise<C> {
  client.on("error", () => {});
  closers.push(() => client.quit());
  await client.connect();
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let counter = 0;
const freshKey = () => `key-${process.pid}-${++counter}`;

describe.each(clients)("redisStore with %s", redisSuite(redis), (_name, connect) => {
  let client: RedisClientLike;
  // Two stores on one client stand for two receiver instances: each holds its own claims.
  let a: IdempotencyStore;
  let b: IdempotencyStore;

  beforeAll(async () => {
    client = await connect(redis!.url);
    a = redisStore({ client });
    b = redisStore({ client });
  });

  it("claims a key once; others see it in flight, then done", async () => {
    const key = freshKey();
    expect(await a.begin(key, 10_000)).toBe("new");
    expect(await b.begin(key, 10_000)).toBe("in-flight");
    expect(await a.begin(key, 10_000)).toBe("in-flight");
    await a.complete(key, 10_000);
    expect(await b.begin(key, 10_000)).toBe("done");
    expect(await a.begin(key, 10_000)).toBe("done");
    expect(await admin.get(`taskhook:${key}`)).toBe("done");
    const ttl = await admin.pttl(`taskhook:${key}`);
    expect(ttl).toBeGreaterThan(9_000);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });

  it("an in-flight claim expires with its lease (SET NX PX)", async () => {
    const key = freshKey();
    expect(await a.begin(key, 1_000)).toBe("new");
    const ttl = await admin.pttl(`taskhook:${key}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1_000);
  });

  it("release lets the next delivery claim the key", async () => {
    const key = freshKey();
    expect(await a.begin(key, 10_000)).toBe("new");
    await a.release(key);
    expect(await admin.exists(`taskhook:${key}`)).toBe(0);
    expect(await b.begin(key, 10_000)).toBe("new");
    await b.complete(key, 10_000);
    expect(await a.begin(key, 10_000)).toBe("done");
  });

  it("a late release or complete leaves the delivery that claimed the key after the lease alone", async () => {
    const key = freshKey();
    expect(await a.begin(key, 100)).toBe("new");
    await sleep(150);
    expect(await b.begin(key, 10_000)).toBe("new");
    const third = redisStore({ client });

    await a.release(key);
    expect(await third.begin(key, 10_000)).toBe("in-flight");
    await a.complete(key, 10_000);
    expect(await third.begin(key, 10_000)).toBe("in-flight");

    await b.complete(key, 10_000);
    expect(await third.begin(key, 10_000)).toBe("done");
  });

  it("a release or complete from a store that never claimed the key changes nothing", async () => {
    const key = freshKey();
    expect(await a.begin(key, 10_000)).toBe("new");
    await b.release(key);
    await b.complete(key, 10_000);
    expect(await b.begin(key, 10_000)).toBe("in-flight");
    await a.release(key);
    expect(await b.begin(key, 10_000)).toBe("new");
  });

  it("complete after the lease ran out unclaimed still records the key as done", async () => {
    const key = freshKey();
    expect(await a.begin(key, 50)).toBe("new");
    await sleep(100);
    await a.complete(key, 10_000);
    expect(await b.begin(key, 10_000)).toBe("done");
  });

  it("prefixes every key", async () => {
    const key = freshKey();
    const store = redisStore({ client, prefix: "app:beam:" });
    expect(await store.begin(key, 10_000)).toBe("new");
    expect(await admin.exists(`app:beam:${key}`)).toBe(1);
    expect(await admin.exists(`taskhook:${key}`)).toBe(0);
  });

  it("runs the script by its SHA, loading it again when Redis forgot it", async () => {
    await admin.script("FLUSH");
    await admin.config("RESETSTAT");
    for (let i = 0; i < 4; i++) expect(await a.begin(freshKey(), 10_000)).toBe("new");
    const stats = await admin.info("commandstats");
    const calls = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    // Counts are server-wide: a late release from an earlier test may add a call or two.
    expect(calls("eval")).toBeGreaterThanOrEqual(1);
    expect(calls("evalsha")).toBeGreaterThanOrEqual(4);
    expect(calls("eval"), "EVAL only to reload the script, not for every call").toBeLessThan(calls("evalsha"));
  });

  it("rejects with Redis's error, so the receiver answers 503", async () => {
    const key = freshKey();
    await admin.lpush(`taskhook:${key}`, "not a claim");
    await expect(a.begin(key, 10_000)).rejects.toThrow(/WRONGTYPE/);
  });

  it("rejects after timeoutMs when Redis does not answer, and takes the claim back when it does", async () => {
    const key = freshKey();
    const store = redisStore({ client, timeoutMs: 100 });
    // The pause is long, so that even on a loaded machine the 100 ms timeout fires inside it.
    const pauseMs = 2_000;
    await admin.call("CLIENT", "PAUSE", String(pauseMs), "ALL");
    const started = Date.now();
    await expect(store.begin(key, 10_000)).rejects.toThrow(/did not answer within 100 ms/);
    expect(Date.now() - started).toBeLessThan(pauseMs);
    // The paused command still runs when the pause ends and claims the key; the store then
    // releases it, so the retry Beam sends next is not refused as in flight. A command on
    // the same connection, answered in order, shows that the paused one has run.
    await sleep(pauseMs - (Date.now() - started));
    expect(await a.begin(freshKey(), 10_000)).toBe("new");
    for (let waited = 0; ; waited += 50) {
      if ((await admin.exists(`taskhook:${key}`)) === 0) break;
      if (waited > 3_000) throw new Error("the orphaned claim was never released");
      await sleep(50);
    }
    expect(await b.begin(key, 10_000)).toBe("new");
  });
});

describe("redisStore options", () => {
  it("refuses something that is not an ioredis or node-redis client", () => {
    expect(() => redisStore({ client: {} as RedisClientLike })).toThrow(/ioredis client .* or a node-redis client/);
    expect(() => redisStore({ client: null as unknown as RedisClientLike })).toThrow(TypeError);
  });

  it("checks prefix and timeoutMs", () => {
    const client = { eval: async () => "new", evalsha: async () => "new" };
    expect(() => redisStore({ client, prefix: 1 as unknown as string })).toThrow(/prefix must be a string/);
    expect(() => redisStore({ client, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => redisStore({ client, timeoutMs: false })).not.toThrow();
  });

  it("refuses a lease that is not a positive number", async () => {
    const store = redisStore({ client: { eval: async () => "new", evalsha: async () => "new" } });
    await expect(store.begin("k", 0)).rejects.toThrow(/ttlMs must be a positive number/);
    await expect(store.begin("k", Number.NaN)).rejects.toThrow(TypeError);
  });

  it("rejects an answer the script never gives", async () => {
    const store = redisStore({ client: { eval: async () => "odd", evalsha: async () => "odd" } });
    await expect(store.begin("k", 1000)).rejects.toThrow(/unexpected answer/);
  });
});

describe("a claim whose answer was lost", () => {
  // An ioredis-shaped fake: evalsha(sha, 1, key, op, token, ttl?).
  function fakeClient(releaseFailures: number) {
    const calls: string[][] = [];
    const client = {
      eval: async () => {
        throw new Error("not used");
      },
      evalsha: async (_sha: string, _keys: number, ...args: string[]) => {
        calls.push(args);
        if (args[1] === "begin") throw new Error("Connection is closed.");
        if (args[1] === "release" && releaseFailures-- > 0) throw new Error("Stream isn't writeable");
        return "released";
      },
    };
    const releases = () => calls.filter((args) => args[1] === "release");
    return { client, calls, releases };
  }

  it("is released by its token, again while the client reconnects", async () => {
    const { client, calls, releases } = fakeClient(1);
    await expect(redisStore({ client }).begin("k", 1000)).rejects.toThrow(/Connection is closed/);
    await vi.waitFor(() => expect(releases()).toHaveLength(2), { timeout: 2_000 });
    const token = calls[0]?.[2];
    expect(token).toMatch(/^[0-9a-f-]{36}$/);
    expect(releases()).toEqual([
      ["taskhook:k", "release", token],
      ["taskhook:k", "release", token],
    ]);
  });

  it("is tried three times at most", async () => {
    const { client, releases } = fakeClient(Number.POSITIVE_INFINITY);
    await expect(redisStore({ client }).begin("k", 1000)).rejects.toThrow();
    await vi.waitFor(() => expect(releases()).toHaveLength(3), { timeout: 3_000 });
    await sleep(300);
    expect(releases()).toHaveLength(3);
  });
});
