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

/** Options for {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Most records kept; the oldest go first when full. Default 10,000. */
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
 * `@taskhook/redis`. When full it forgets the oldest records first, so size it above the
 * number of callbacks you receive in twice the tolerance window.
 *
 * @example
 * ```ts
 * const handler = createCallbackHandler({ secret, idempotency: memoryStore({ maxEntries: 50_000 }), onCallback });
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): IdempotencyStore {
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError(`taskhook: memoryStore maxEntries must be a positive integer; got ${String(maxEntries)}.`);
  }
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order; re-inserting on every write keeps the oldest first,
  // so eviction and expiry sweeps only ever look at the head.
  const entries = new Map<string, Entry>();

  const put = (key: string, state: Entry["state"], ttlMs: number) => {
    entries.delete(key);
    entries.set(key, { state, expiresAt: now() + ttlMs });
    sweep();
  };
  // Deleted keys leave holes at the head of the Map that iteration must step over, so expired
  // records are swept at most once a second (or when full), not on every write.
  let nextSweep = 0;
  const sweep = () => {
    const time = now();
    if (entries.size <= maxEntries && time < nextSweep) return;
    nextSweep = time + 1000;
    for (const [key, entry] of entries) {
      if (entries.size <= maxEntries && entry.expiresAt > time) break;
      entries.delete(key);
    }
  };

  return {
    async begin(key, ttlMs) {
      const entry = entries.get(key);
      if (entry !== undefined && entry.expiresAt > now()) return entry.state;
      put(key, "in-flight", ttlMs);
      return "new";
    },
    async complete(key, ttlMs) {
      put(key, "done", ttlMs);
    },
    async release(key) {
      entries.delete(key);
    },
  };
}
