import { describe, expect, it } from "vitest";
import { checkSecret, createRefusalLog, describeRefusal } from "../src/adapter.js";
import { keyFingerprint, type RejectionInfo, TaskCallbackError } from "../src/index.js";

const refusal = new TaskCallbackError("INVALID_SIGNATURE", "X-Task-Signature does not match this callback.");
const diagnosed: RejectionInfo = {
  code: "INVALID_SIGNATURE",
  status: 401,
  taskId: "task-1",
  taskStatus: "COMPLETE",
  bodyBytes: 24,
  ageSeconds: 2,
  diagnosis: [{ reason: "BODY_RESERIALIZED", message: "The body was parsed and written again." }],
};

describe("the default refusal log", () => {
  function logAt(start: number) {
    const lines: string[] = [];
    let clock = start;
    const log = createRefusalLog({ now: () => clock, write: (line) => lines.push(line) });
    return { lines, log, advance: (ms: number) => (clock += ms) };
  }

  it("prints the first refusal at once, on one line, with what the request said and why", () => {
    const { lines, log } = logAt(0);
    log(refusal, diagnosed);
    expect(lines).toEqual([
      "taskhook: refused a callback: 401 INVALID_SIGNATURE, task task-1, COMPLETE, 24 bytes, signed 2 s ago. BODY_RESERIALIZED: The body was parsed and written again.",
    ]);
  });

  it("then at most one line a minute, counting what it did not show by code and reason", () => {
    const { lines, log, advance } = logAt(1_000_000);
    log(refusal, diagnosed);
    for (let i = 0; i < 30; i++) {
      advance(1000);
      log(refusal, diagnosed);
    }
    for (let i = 0; i < 6; i++) log(refusal, { code: "INVALID_SIGNATURE", status: 401, diagnosisSkipped: true });
    expect(lines).toHaveLength(1);
    advance(31_000);
    log(new TaskCallbackError("TIMESTAMP_EXPIRED", "too old"), { code: "TIMESTAMP_EXPIRED", status: 401 });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(
      "taskhook: refused 37 callbacks in the last 61 s: 36 INVALID_SIGNATURE (BODY_RESERIALIZED), 1 TIMESTAMP_EXPIRED. Latest: 401 TIMESTAMP_EXPIRED. too old",
    );
    advance(61_000);
    log(refusal, diagnosed);
    expect(lines[2]).toMatch(/^taskhook: refused a callback: /);
  });

  it("describes a refusal without a diagnosis by its message, and a future timestamp as ahead", () => {
    expect(describeRefusal(refusal, { code: "INVALID_SIGNATURE", status: 401, ageSeconds: -90 })).toBe(
      "401 INVALID_SIGNATURE, dated 90 s ahead. X-Task-Signature does not match this callback.",
    );
  });
});

describe("the key check", () => {
  it("accepts a Beam key", () => {
    expect(checkSecret("sk_CZdC0U2K1iUqSGQ88/FE7BbLKXYI9OopvjQKlf69pn0=")).toEqual([]);
  });

  it("reports whitespace and a missing sk_ prefix, never the key", () => {
    const problems = checkSecret("CZdC0U2K1iUqSGQ88\n");
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain("whitespace");
    expect(problems[1]).toContain("sk_");
    expect(problems.join(" ")).not.toContain("CZdC0U2K1");
  });

  it("fingerprints a key in 8 hex characters, the same for the same key only", async () => {
    const a = await keyFingerprint("sk_a");
    expect(a).toMatch(/^[0-9a-f]{8}$/);
    expect(await keyFingerprint("sk_a")).toBe(a);
    expect(await keyFingerprint("sk_b")).not.toBe(a);
  });
});
