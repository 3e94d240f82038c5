import { afterEach, describe, expect, it, vi } from "vitest";
import { createCallbackProcessor } from "../src/adapter.js";
import {
  type RejectionInfo,
  type TaskCallbackError,
  TaskCallbackError as TaskCallbackErrorClass,
} from "../src/index.js";
import { vectorNamed, vectorRequest } from "./vectors.js";

const v = vectorNamed("nested");
const reserialized = JSON.stringify(JSON.parse(v.body_utf8));
const headers = vectorRequest(v).headers;
const valid = { method: "POST", headers, body: Buffer.from(v.body_base64, "base64") };
const refusedRequest = { method: "POST", headers, body: reserialized };

function recording(clock = { ms: v.timestamp * 1000 + 2500 }) {
  const rejections: Array<{ error: TaskCallbackError; info: RejectionInfo }> = [];
  const errors: unknown[] = [];
  const processor = createCallbackProcessor({
    secret: v.secret,
    now: () => clock.ms,
    onError: (error) => errors.push(error),
    onRejected: (error, info) => rejections.push({ error, info }),
  });
  return { processor, rejections, errors, clock };
}

afterEach(() => vi.restoreAllMocks());

describe("refused callbacks are reported", () => {
  it("with the code, what the request said and the diagnosis", async () => {
    const { processor, rejections } = recording();
    const response = await processor.process(refusedRequest);
    expect(response.status).toBe(401);
    expect(rejections).toHaveLength(1);
    expect(rejections[0]?.error.code).toBe("INVALID_SIGNATURE");
    expect(rejections[0]?.info).toEqual({
      code: "INVALID_SIGNATURE",
      status: 401,
      taskId: v.task_id,
      taskStatus: v.status,
      bodyBytes: Buffer.byteLength(reserialized),
      ageSeconds: 2,
      diagnosis: [{ reason: "BODY_RESERIALIZED", message: expect.any(String) }],
    });
  });

  it("answers byte for byte the same with and without a diagnosis", async () => {
    const { processor, rejections } = recording();
    const first = await processor.process(refusedRequest);
    const second = await processor.process(refusedRequest);
    expect(rejections.map(({ info }) => info.diagnosis !== undefined)).toEqual([true, false]);
    expect(rejections[1]?.info.diagnosisSkipped).toBe(true);
    expect(second).toEqual(first);
    expect(first.body).not.toContain("RESERIALIZED");
  });

  it("diagnoses at most once a second and counts the rest", async () => {
    const { processor, rejections, clock } = recording();
    for (let i = 0; i < 5; i++) await processor.process(refusedRequest);
    clock.ms += 1000;
    await processor.process(refusedRequest);
    expect(rejections.map(({ info }) => info.diagnosis?.[0]?.reason ?? "skipped")).toEqual([
      "BODY_RESERIALIZED",
      "skipped",
      "skipped",
      "skipped",
      "skipped",
      "BODY_RESERIALIZED",
    ]);
  });

  it("reports refusals with nothing to diagnose, and nothing on the success path", async () => {
    const { processor, rejections } = recording();
    await processor.process({ ...valid, method: "GET" });
    await processor.process({ ...valid, headers: { ...headers, "x-task-id": "../etc/passwd" } });
    expect(processor.answerError(new TaskCallbackErrorClass("BODY_ALREADY_PARSED", "parsed")).status).toBe(500);
    expect(rejections.map(({ info }) => info)).toEqual([
      expect.objectContaining({ code: "METHOD_NOT_ALLOWED", status: 405, taskId: v.task_id }),
      expect.objectContaining({ code: "INVALID_HEADER", status: 400, taskStatus: v.status }),
      { code: "BODY_ALREADY_PARSED", status: 500 },
    ]);
    expect(rejections[1]?.info.taskId, "a malformed task id is not repeated").toBeUndefined();
    expect(rejections[1]?.info, "nothing to say about a task id: no diagnosis").not.toHaveProperty("diagnosis");
    rejections.length = 0;
    expect((await processor.process(valid)).status).toBe(200);
    expect(rejections).toEqual([]);
  });

  it("a timestamp in milliseconds is explained every time: no HMAC, no limit", async () => {
    const { processor, rejections } = recording();
    const ms = { ...valid, headers: { ...headers, "x-task-timestamp": `${v.timestamp}000` } };
    for (let i = 0; i < 3; i++) expect((await processor.process(ms)).status).toBe(400);
    expect(rejections.map(({ info }) => info.diagnosis?.[0]?.reason)).toEqual([
      "TIMESTAMP_MILLISECONDS",
      "TIMESTAMP_MILLISECONDS",
      "TIMESTAMP_MILLISECONDS",
    ]);
  });

  it("a listener that throws goes to onError; the answer is unchanged", async () => {
    const failure = new Error("metrics down");
    const errors: unknown[] = [];
    const processor = createCallbackProcessor({
      secret: v.secret,
      now: () => v.timestamp * 1000,
      onError: (error) => errors.push(error),
      onRejected: () => {
        throw failure;
      },
    });
    const response = await processor.process(refusedRequest);
    expect(response.status).toBe(401);
    expect(errors).toEqual([failure]);
  });

  it("by default, one console.warn line, then one a minute that counts what it did not show", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const clock = { ms: v.timestamp * 1000 };
    const processor = createCallbackProcessor({
      secret: v.secret,
      now: () => clock.ms,
      toleranceSeconds: 3600,
      onError: () => {},
    });
    for (let i = 0; i < 3; i++) await processor.process(refusedRequest);
    expect(warn.mock.calls.map((call) => call.join(" "))).toEqual([
      expect.stringMatching(
        /^taskhook: refused a callback: 401 INVALID_SIGNATURE, task \S+, CANCELLED, \d+ bytes, signed 0 s ago\. BODY_RESERIALIZED: /,
      ),
    ]);
    clock.ms += 61_000;
    await processor.process(refusedRequest);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]?.[0]).toMatch(
      /^taskhook: refused 3 callbacks in the last 61 s: 3 INVALID_SIGNATURE \(BODY_RESERIALIZED\)\. Latest: /,
    );
  });
});

describe("the key is checked when it is configured", () => {
  it("warns once about whitespace and a missing sk_ prefix, never printing the key", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const secret = "CZdC0U2K1iUqSGQ88-check\n";
    createCallbackProcessor({ secret });
    createCallbackProcessor({ secret });
    const lines = warn.mock.calls.map((call) => call.join(" "));
    expect(lines).toEqual([expect.stringContaining("whitespace"), expect.stringContaining("sk_")]);
    expect(lines.join("\n")).not.toContain("CZdC0U2K1");
  });

  it("says nothing about a key that looks like Beam's", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    createCallbackProcessor({ secret: [v.secret, "sk_second"] });
    expect(warn).not.toHaveBeenCalled();
  });
});
