/** What {@link IdempotencyStore.begin} found for a key. */
export type BeginResult = "new" | "in-flight" | "done";

/**
 * A record of which callbacks were processed, shared by every instance of a receiver. Each
 * method is atomic. `@taskhook/redis` implements it on Redis; {@link memoryStore} in memory.
 */
export interface IdempotencyStore {
  /** Claims `key` for `ttlMs` when it is unknown (`"new"`), else says what it is. */
  begin(key: string, ttlMs: number): Promise<BeginResult>;
  /** Marks a claimed key as processed, kept for `ttlMs`. */
  complete(key: string, ttlMs: number): Promise<void>;
  /** Forgets a claimed key so a retry processes it again. */
  release(key: string): Promise<void>;
}

/**
 * Default hard cap of {@link memoryStore}: 200,000 records, about 35 MB of heap when full
 * (~175 bytes per record). With the default 180 s record lifetime that is over 1,000
 * callbacks a second, sustained, on one instance.
 */
export const DEFAULT_MEMORY_STORE_MAX_ENTRIES = 200_000;

/** Options for {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Hard cap on records kept (~175 bytes each). A record is never dropped before its TTL, so
   * a replayed callback cannot be flushed out by a flood of others; once the cap is reached,
   * new keys are refused (the processor answers 503 `STORE_UNAVAILABLE` with `Retry-After`
   * and reports it) until records expire. Default {@link DEFAULT_MEMORY_STORE_MAX_ENTRIES}.
   */
  maxEntries?: number;
  /** Current time in milliseconds, for tests. */
  now?: () => number;
}

interface Entry {
  state: "in-flight" | "done";
  expiresAt: number;
}

/**
 * An in-process {@link IdempotencyStore}: bounded, expiring, O(1) per call. Right for a
 * single instance; several instances behind a load balancer need a shared store such as
 * `@taskhook/redis`. It keeps every record for its whole TTL (dropping one early would let
 * its callback run again) and fails closed when full: new keys are refused with an error, so
 * the processor answers 503 and Beam retries, as when Redis is down.
 *
 * @example
 * ```ts
 * const handler = createCallbackHandler({ secret, idempotency: memoryStore({ maxEntries: 500_000 }), onCallback });
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): IdempotencyStore {
  const maxEntries = options.maxEntries ?? DEFAULT_MEMORY_STORE_MAX_ENTRIES;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError(`taskhook: memoryStore maxEntries must be a positive integer; got ${String(maxEntries)}.`);
  }
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order; re-inserting on every write keeps the oldest first.
  const entries = new Map<string, Entry>();
  const sweeper = expirySweeper(entries, now);

  const put = (key: string, state: Entry["state"], ttlMs: number) => {
    sweeper.sweepHead();
    if (!entries.delete(key) && entries.size >= maxEntries && !sweeper.sweepAll()) throw storeFull(maxEntries);
    entries.set(key, { state, expiresAt: now() + ttlMs });
  };
  const sync: SyncStore = {
    begin(key, ttlMs) {
      const entry = entries.get(key);
      if (entry !== undefined && entry.expiresAt > now()) return entry.state;
      put(key, "in-flight", ttlMs);
      return "new";
    },
    complete(key, ttlMs) {
      put(key, "done", ttlMs);
    },
    release(key) {
      entries.delete(key);
    },
  };

  const store: IdempotencyStore = {
    begin: async (key, ttlMs) => sync.begin(key, ttlMs),
    complete: async (key, ttlMs) => sync.complete(key, ttlMs),
    release: async (key) => sync.release(key),
  };
  return Object.assign(store, { [syncStoreKey]: { sync, own: { ...store } } });
}

/** The calls of {@link memoryStore}, synchronous: the processor skips a promise per call with them. */
export interface SyncStore {
  begin(key: string, ttlMs: number): BeginResult;
  complete(key: string, ttlMs: number): void;
  release(key: string): void;
}

/** Where a memory store keeps its synchronous calls, for the processor only (not public API). */
const syncStoreKey: unique symbol = Symbol("taskhook.syncStore");

/**
 * The synchronous calls behind a store made by {@link memoryStore}, while its methods are still
 * its own (a store whose `begin` was replaced, say in a test, is used through its methods).
 */
export function syncStoreOf(store: IdempotencyStore): SyncStore | undefined {
  const found = (store as { [syncStoreKey]?: { sync: SyncStore; own: IdempotencyStore } })[syncStoreKey];
  if (found === undefined) return undefined;
  const { own } = found;
  return store.begin === own.begin && store.complete === own.complete && store.release === own.release
    ? found.sync
    : undefined;
}

/**
 * Drops expired records. Deleted keys leave holes at the head of the Map that iteration must
 * step over, so the cheap sweep of the head (records written first, which expire first when
 * TTLs are equal) runs at most once a second, and the full scan (records of a longer TTL
 * can hold expired ones behind them) only when the store is full, also at most once a second.
 */
function expirySweeper(entries: Map<string, Entry>, now: () => number) {
  let nextHead = 0;
  let nextFull = 0;
  return {
    sweepHead() {
      const time = now();
      if (time < nextHead) return;
      nextHead = time + 1000;
      for (const [key, entry] of entries) {
        if (entry.expiresAt > time) break;
        entries.delete(key);
      }
    },
    /** True when it freed room. */
    sweepAll(): boolean {
      const time = now();
      if (time < nextFull) return false;
      nextFull = time + 1000;
      const size = entries.size;
      for (const [key, entry] of entries) if (entry.expiresAt <= time) entries.delete(key);
      return entries.size < size;
    },
  };
}

function storeFull(maxEntries: number): Error {
  return new Error(
    `taskhook: memoryStore is full (${maxEntries} records, none past its TTL), so new callbacks are answered 503 until records expire; raise maxEntries, or share a store such as @taskhook/redis across instances.`,
  );
}
