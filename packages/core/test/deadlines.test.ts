import { describe, expect, it } from "vitest";
import { afterDeadline } from "../src/deadlines.js";

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe("afterDeadline", () => {
  it("expires deadlines of one length in order, on one timer, and skips cancelled ones", async () => {
    const fired: string[] = [];
    afterDeadline(40, () => fired.push("a"));
    const cancelB = afterDeadline(40, () => fired.push("b"));
    await sleep(15);
    afterDeadline(40, () => fired.push("c"));
    cancelB();
    await sleep(150);
    expect(fired).toEqual(["a", "c"]);
  });

  it("keeps deadlines of different lengths apart", async () => {
    const fired: string[] = [];
    afterDeadline(60, () => fired.push("long"));
    afterDeadline(10, () => fired.push("short"));
    await sleep(100);
    expect(fired).toEqual(["short", "long"]);
  });

  it("stops its timer when the last deadline is cancelled, so an idle process can exit", async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const cancel = afterDeadline(10_000, () => {});
    expect(process.getActiveResourcesInfo().filter((r) => r === "Timeout").length).toBe(before + 1);
    cancel();
    expect(process.getActiveResourcesInfo().filter((r) => r === "Timeout").length).toBe(before);
  });
});
