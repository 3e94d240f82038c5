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

  it("never drops a record before its ttl: when full, a new key is refused until one expires", async () => {
    let time = 0;
    const store = memoryStore({ maxEntries: 3, now: () => time });
    for (const key of ["a", "b", "c"]) await store.complete(key, 60_000);
    await expect(store.begin("d", 60_000)).rejects.toThrow(/memoryStore is full \(3 records.*raise maxEntries/);
    await expect(store.complete("d", 60_000)).rejects.toThrow(/full/);
    expect(await store.begin("a", 60_000)).toBe("done");
    time = 60_000;
    expect(await store.begin("d", 60_000)).toBe("new");
    expect(await store.begin("e", 60_000)).toBe("new");
  });

  it("when full, known keys still answer and settle; a release makes room", async () => {
    const store = memoryStore({ maxEntries: 2 });
    expect(await store.begin("a", 60_000)).toBe("new");
    await store.complete("b", 60_000);
    expect(await store.begin("a", 60_000)).toBe("in-flight");
    await store.complete("a", 60_000);
    expect(await store.begin("a", 60_000)).toBe("done");
    await store.release("b");
    expect(await store.begin("c", 60_000)).toBe("new");
  });

  it("finds expired records behind longer-lived ones when full", async () => {
    let time = 0;
    const store = memoryStore({ maxEntries: 3, now: () => time });
    await store.complete("long", 86_400_000);
    await store.complete("short-1", 1000);
    await store.complete("short-2", 1000);
    time = 1000;
    expect(await store.begin("new-1", 1000)).toBe("new");
    expect(await store.begin("long", 1000)).toBe("done");
  });

  it("rejects a nonsense size", () => {
    expect(() => memoryStore({ maxEntries: 0 })).toThrow(/maxEntries/);
  });
});
