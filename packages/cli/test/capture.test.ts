import { describe, expect, it } from "vitest";
import { type Capture, captureFileName, formatCapture, parseCapture } from "../src/capture.js";

const capture: Capture = {
  receivedAt: new Date("2026-11-29T15:43:01.123Z"),
  method: "POST",
  url: "/beam?x=1",
  headers: [
    ["X-Task-ID", "task-1"],
    ["X-Dup", "a"],
    ["x-dup", "b"],
  ],
  body: new Uint8Array([0x7b, 0xff, 0x00, 0x7d]),
};

describe("the capture file format", () => {
  it("round-trips every byte, header order and spelling", () => {
    const text = formatCapture(capture);
    expect(JSON.parse(text)).toEqual({
      taskhook: "callback",
      version: 1,
      receivedAt: "2026-11-29T15:43:01.123Z",
      method: "POST",
      url: "/beam?x=1",
      headers: capture.headers,
      bodyBase64: "e/8AfQ==",
    });
    expect(parseCapture(text, "f.json")).toEqual(capture);
    const truncated = parseCapture(formatCapture({ ...capture, truncated: true }), "f.json");
    expect(truncated.truncated).toBe(true);
  });

  it("names files so they sort by arrival, with a file-safe task id", () => {
    expect(captureFileName(capture, 7)).toBe("20261129T154301123Z-000007-task-1.json");
    const hostile = { ...capture, headers: [["X-Task-ID", "../../etc/passwd"]] as Array<[string, string]> };
    expect(captureFileName(hostile, 1)).toBe("20261129T154301123Z-000001-etc_passwd.json");
    expect(captureFileName({ ...capture, headers: [] }, 2)).toBe("20261129T154301123Z-000002-no-task-id.json");
  });

  it.each([
    ["not JSON", "{", /invalid JSON/],
    ["another JSON file", '{"data": 1}', /"taskhook": "callback"/],
    ["a newer version", '{"taskhook": "callback", "version": 2}', /version 2 is not supported/],
    ["headers that are not pairs", formatCapture(capture).replace('"X-Dup",', ""), /"headers" must be/],
    ["a body that is not base64", formatCapture(capture).replace("e/8AfQ==", "e/8A*Q=="), /"bodyBase64"/],
  ])("refuses %s, naming the file", (_name, text, message) => {
    expect(() => parseCapture(text, "rec.json")).toThrow(message);
    expect(() => parseCapture(text, "rec.json")).toThrow(/rec\.json/);
  });
});
