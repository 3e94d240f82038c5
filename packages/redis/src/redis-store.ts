import type { IdempotencyStore } from "@taskhook/core";
import type { BeginResult } from "@taskhook/core/adapter";

/** The part of an ioredis client (`Redis` or `Cluster`, v5 or v6) the store uses. */
export interface IoredisClientLike {
  evalsha(sha: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/** The part of a node-redis client (`createClient` or `createCluster`, v4 to v6) the store uses. */
export interface NodeRedisClientLike {
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** A connected ioredis or node-redis client. */
export type RedisClientLike = IoredisClientLike | NodeRedisClientLike;

/** Options for {@link redisStore}. */
export interface RedisStoreOptions {
  /**
   * A connected ioredis or node-redis client, configured to fail fast when Redis is away
   * (see the README), so the receiver answers 503 at once instead of after `timeoutMs`.
   */
  client: RedisClientLike;
  /** Prepended to every key. Default `"taskhook:"`. */
  prefix?: string;
  /**
   * Longest wait for one Redis answer before the call rejects (so the receiver answers 503
   * and Beam retries). `false` leaves it to the client's own timeouts. Default 2 000.
   */
  timeoutMs?: number | false;
}

// One script for the three operations, so there is one SHA to load and one NOSCRIPT path.
// A key holds either the token of the delivery working on it or "done". `begin` treats its
// own token as new so a command the client re-sends after a reconnect still owns its claim;
// `complete` also records a claim whose lease ran out unclaimed, since the work did succeed.
const SCRIPT = `local v = redis.call('GET', KEYS[1])
local op, token = ARGV[1], ARGV[2]
if op == 'begin' then
  if not v then
    redis.call('SET', KEYS[1], token, 'PX', ARGV[3])
    return 'new'
  end
  if v == token then return 'new' end
  if v == 'done' then return 'done' end
  return 'in-flight'
end
if op == 'complete' then
  if v == token or not v then
    redis.call('SET', KEYS[1], 'done', 'PX', ARGV[3])
    return 'done'
  end
  return 'not-owner'
end
if v == token then
  redis.call('DEL', KEYS[1])
  return 'released'
end
return 'not-owner'`;

type Op = "begin" | "complete" | "release";
type Run = (key: string, args: string[]) => Promise<unknown>;

let scriptSha: Promise<string> | undefined;

/**
 * An {@link IdempotencyStore} on Redis, shared by every instance of a receiver, so a
 * callback retried or replayed to another instance is still handled only once. Works with
 * ioredis and node-redis clients (told apart at run time; neither is a dependency).
 *
 * Each claim carries a random token, and `complete` and `release` change a key only while
 * it still holds this store's token, so a handler that finishes after its lease expired
 * and another delivery claimed the key leaves that delivery alone.
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import { redisStore } from "@taskhook/redis";
 *
 * const client = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
 * const handler = createCallbackHandler({ secret, idempotency: redisStore({ client }), onCallback });
 * ```
 */
export function redisStore(options: RedisStoreOptions): IdempotencyStore {
  const { prefix, timeoutMs } = checkOptions(options);
  const run = evaluator(options.client);
  const { claims, sweep, takeClaim } = localClaims();
  const call = (op: Op, key: string, token: string, ttlMs?: number) => {
    const args = ttlMs === undefined ? [op, token] : [op, token, String(ttlMs)];
    return withTimeout(run(prefix + key, args), timeoutMs);
  };

  return {
    async begin(key, ttlMs) {
      const ttl = leaseMs(ttlMs);
      const now = Date.now();
      sweep(now);
      const held = claims.get(key);
      if (held !== undefined && held.expiresAt > now) return "in-flight";

      const token = randomToken();
      const pending = call("begin", key, token, ttl);
      let state: unknown;
      try {
        state = await pending.result;
      } catch (error) {
        // Redis may have made the claim although its answer never arrived (a timeout, a
        // dropped connection): take it back, or it would refuse Beam's retries (0.5 s and
        // 1.5 s later) until the lease ends. Only this token's claim can go, so trying again
        // while the client reconnects is harmless.
        void pending.settled.then(() => releaseOrphan(() => call("release", key, token).result));
        throw error;
      }
      if (state === "new") {
        claims.delete(key);
        claims.set(key, { token, expiresAt: now + ttl });
        return "new";
      }
      if (state === "done" || state === "in-flight") return state satisfies BeginResult;
      throw new Error(`taskhook: unexpected answer from Redis to the idempotency script: ${String(state)}`);
    },

    async complete(key, ttlMs) {
      const ttl = leaseMs(ttlMs);
      await call("complete", key, takeClaim(key) ?? "", ttl).result;
    },

    async release(key) {
      const token = takeClaim(key);
      if (token !== undefined) await call("release", key, token).result;
    },
  };
}

function checkOptions(options: RedisStoreOptions) {
  const prefix = options.prefix ?? "taskhook:";
  if (typeof prefix !== "string") {
    throw new TypeError(`taskhook: redisStore prefix must be a string; got ${typeof prefix}.`);
  }
  const timeoutMs = options.timeoutMs ?? 2000;
  if (timeoutMs !== false && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new TypeError(`taskhook: redisStore timeoutMs must be a positive number or false; got ${String(timeoutMs)}.`);
  }
  return { prefix, timeoutMs };
}

/**
 * The tokens of the claims this store holds, by key. The core calls begin, then complete or
 * release with the same key from the same request, so the key finds the token. While a claim
 * is held here a second begin for its key answers "in-flight" without asking Redis, so there is
 * never more than one local owner to choose between. Entries go when completed or released, or
 * once their lease is over if neither ever comes. (Core's lease outlasts the timestamp
 * tolerance, so no delivery of the key gets this far after that.)
 */
function localClaims() {
  const claims = new Map<string, { token: string; expiresAt: number }>();
  const sweep = (now: number) => {
    for (const [key, claim] of claims) {
      if (claim.expiresAt > now) break;
      claims.delete(key);
    }
  };
  const takeClaim = (key: string) => {
    const token = claims.get(key)?.token;
    claims.delete(key);
    return token;
  };
  return { claims, sweep, takeClaim };
}

const ORPHAN_RELEASE_RETRIES_MS: readonly number[] = [250, 1000];

async function releaseOrphan(release: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await release();
      return;
    } catch {
      const wait = ORPHAN_RELEASE_RETRIES_MS[attempt];
      if (wait === undefined) return;
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, wait) as { unref?: () => void };
        timer.unref?.();
      });
    }
  }
}

function evaluator(client: RedisClientLike): Run {
  const shape = client as Partial<Record<"evalsha" | "evalSha" | "eval", unknown>> | null;
  if (shape !== null && typeof shape === "object" && typeof shape.eval === "function") {
    if (typeof shape.evalsha === "function") {
      const ioredis = client as IoredisClientLike;
      return withScriptCache(
        (sha, key, args) => ioredis.evalsha(sha, 1, key, ...args),
        (key, args) => ioredis.eval(SCRIPT, 1, key, ...args),
      );
    }
    if (typeof shape.evalSha === "function") {
      const nodeRedis = client as NodeRedisClientLike;
      return withScriptCache(
        (sha, key, args) => nodeRedis.evalSha(sha, { keys: [key], arguments: args }),
        (key, args) => nodeRedis.eval(SCRIPT, { keys: [key], arguments: args }),
      );
    }
  }
  throw new TypeError(
    "taskhook: redisStore needs an ioredis client (new Redis()) or a node-redis client (createClient()); " +
      "got something with neither evalsha nor evalSha.",
  );
}

// EVALSHA, falling back to EVAL (which also caches the script) when the server does not
// know the script yet: first use, a restarted server, a failover, SCRIPT FLUSH.
function withScriptCache(
  evalsha: (sha: string, key: string, args: string[]) => Promise<unknown>,
  evalScript: (key: string, args: string[]) => Promise<unknown>,
): Run {
  return async (key, args) => {
    scriptSha ??= sha1Hex(SCRIPT);
    try {
      return await evalsha(await scriptSha, key, args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return evalScript(key, args);
    }
  };
}

function isNoScript(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" && message.startsWith("NOSCRIPT");
}

function withTimeout(promise: Promise<unknown>, timeoutMs: number | false) {
  const settled = promise.then(
    () => undefined,
    () => undefined,
  );
  if (timeoutMs === false) return { result: promise, settled };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`taskhook: Redis did not answer within ${timeoutMs} ms (redisStore timeoutMs).`)),
      timeoutMs,
    );
  });
  const result = Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  return { result, settled };
}

function leaseMs(ttlMs: number): number {
  if (!(Number.isFinite(ttlMs) && ttlMs > 0)) {
    throw new TypeError(`taskhook: idempotency ttlMs must be a positive number; got ${String(ttlMs)}.`);
  }
  return Math.ceil(ttlMs);
}

function randomToken(): string {
  return globalThis.crypto.randomUUID();
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
