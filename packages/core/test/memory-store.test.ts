import { describe, expect, it } from "vitest";
import { memoryStore } from "../src/index.js";

describe("memoryStore", () => {
  it("claims a key once, then reports it in flight, then done", async () => {
    const store = memoryStore();
    expect(await store.begin("k", 1000)).toBe("new");
    expect(await store.begin("k", 1000)).toBe("in-flight");
    await store.complete("k", 1000);
    expect(await store.begin("k", 1000)).toBe("done");
  });

  it("forgets a released key so a retry runs again", async () => {
    const store = memoryStore();
    await store.begin("k", 1000);
    await store.release("k");
    expect(await store.begin("k", 1000)).toBe("new");
  });

  it("expires records after their ttl", async () => {
    let time = 0;
    const store = memoryStore({ now: () => time });
    await store.begin("k", 1000);
    await store.complete("k", 1000);
    time = 999;
    expect(await store.begin("k", 1000)).toBe("done");
    time = 1000;
    expect(await store.begin("k", 1000)).toBe("new");
  });

  it("stays bounded, dropping the oldest record first", async () => {
    const store = memoryStore({ maxEntries: 3 });
    for (const key of ["a", "b", "c", "d"]) await store.complete(key, 60_000);
    expect(await store.begin("b", 60_000)).toBe("done");
    expect(await store.begin("a", 60_000)).toBe("new");
  });

  it("rejects a nonsense size", () => {
    expect(() => memoryStore({ maxEntries: 0 })).toThrow(/maxEntries/);
  });
});
