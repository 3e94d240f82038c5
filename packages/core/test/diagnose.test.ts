import { afterEach, describe, expect, it, vi } from "vitest";
import { diagnoseRefusal, MAX_DIAGNOSIS_HMACS, toPythonJson } from "../src/adapter.js";
import { seam } from "../src/crypto/web.js";
import { type Diagnosis, diagnoseCallback, signCallback } from "../src/index.js";
import { type Vector, vectorNamed, vectorRequest } from "./vectors.js";

const vector = vectorNamed;

function request(v: Vector, changes: { body?: string; timestamp?: string; signature?: string } = {}) {
  return { headers: vectorRequest(v, changes).headers, body: changes.body ?? Buffer.from(v.body_base64, "base64") };
}

const at = (seconds: number) => () => seconds * 1000;
const reasons = (diagnosis: Diagnosis) => diagnosis.map((entry) => entry.reason);

async function refused(
  v: Vector,
  options: { secret?: string | string[]; now?: number; tolerance?: number } = {},
  changes = {},
) {
  const verdict = await diagnoseCallback(request(v, changes), {
    secret: options.secret ?? v.secret,
    now: at(options.now ?? v.timestamp),
    ...(options.tolerance === undefined ? {} : { toleranceSeconds: options.tolerance }),
  });
  if (verdict.ok) throw new Error(`${v.name} was accepted`);
  return verdict;
}

/** Nothing secret or signed leaks: not the key, not the given or expected signature, not the body. */
async function expectNothingLeaked(diagnosis: Diagnosis, v: Vector) {
  const text = JSON.stringify(diagnosis);
  const key = v.secret.slice(3);
  const { "X-Task-Signature": expected } = await signCallback({
    body: Buffer.from(v.body_base64, "base64"),
    secret: v.secret,
    timestamp: v.timestamp,
  });
  for (const secret of [key, key.slice(0, 12), v.signature, expected, expected.slice(0, 16)]) {
    if (secret !== "") expect(text).not.toContain(secret);
  }
  if (v.signature.length > 16) expect(text).not.toContain(v.signature.slice(0, 16));
  expect(text).not.toContain(v.body_utf8.slice(0, 20));
}

describe("diagnosis from the shared vectors", () => {
  it.each(["result-int", "unicode-escaped", "nested"])(
    "%s: the valid signature over a re-serialized copy of its body -> BODY_RESERIALIZED",
    async (name) => {
      const v = vector(name);
      for (const body of [JSON.stringify(JSON.parse(v.body_utf8)), JSON.stringify(JSON.parse(v.body_utf8), null, 2)]) {
        const verdict = await refused(v, {}, { body });
        expect(verdict.code).toBe("INVALID_SIGNATURE");
        expect(reasons(verdict.diagnosis)).toEqual(["BODY_RESERIALIZED"]);
        await expectNothingLeaked(verdict.diagnosis, v);
      }
    },
  );

  it("compact-json: a compact body re-written with Python's spacing -> BODY_RESERIALIZED", async () => {
    const v = vector("compact-json");
    const verdict = await refused(v, {}, { body: toPythonJson(JSON.parse(v.body_utf8)) });
    expect(reasons(verdict.diagnosis)).toEqual(["BODY_RESERIALIZED"]);
  });

  it("its key without sk_ configured -> SECRET_PREFIX", async () => {
    const v = vector("result-int");
    const verdict = await refused(v, { secret: v.secret.slice(3) });
    expect(reasons(verdict.diagnosis)).toEqual(["SECRET_PREFIX"]);
    expect(verdict.diagnosis[0]?.message).toContain("lacks the sk_ prefix");
    await expectNothingLeaked(verdict.diagnosis, v);
  });

  it.each(["\n", " ", "\r\n", "\t "])("its key with %j around it -> SECRET_WHITESPACE", async (space) => {
    const v = vector("padding-1");
    const verdict = await refused(v, { secret: `${v.secret}${space}` });
    expect(reasons(verdict.diagnosis)).toEqual(["SECRET_WHITESPACE"]);
    await expectNothingLeaked(verdict.diagnosis, v);
  });

  it("rotated-key: names which configured key is wrong", async () => {
    const v = vector("rotated-key");
    const [first, second] = v.secrets as [string, string];
    const verdict = await refused(v, { secret: [first, ` ${second}`] });
    expect(verdict.diagnosis).toEqual([{ reason: "SECRET_WHITESPACE", message: expect.stringContaining("#2 of 2") }]);
  });

  it("its timestamp header in milliseconds -> TIMESTAMP_MILLISECONDS", async () => {
    const v = vector("result-int");
    const verdict = await refused(v, {}, { timestamp: `${v.timestamp}123` });
    expect(verdict.code).toBe("INVALID_HEADER");
    expect(reasons(verdict.diagnosis)).toEqual(["TIMESTAMP_MILLISECONDS"]);
  });

  it.each([
    [3600, "TIMESTAMP_EXPIRED", "3600 s before"],
    [-125, "TIMESTAMP_IN_FUTURE", "125 s after"],
  ])("verified %i s later -> %s with CLOCK_SKEW, offset and tolerance", async (offset, code, where) => {
    const v = vector("nested");
    const verdict = await refused(v, { now: v.timestamp + offset, tolerance: 30 });
    expect(verdict.code).toBe(code);
    expect(verdict.diagnosis).toEqual([{ reason: "CLOCK_SKEW", message: expect.stringContaining(where) }]);
    expect(verdict.diagnosis[0]?.message).toContain("30 s tolerance");
  });

  it("a stale callback with a key mistake -> the mistake, then CLOCK_SKEW", async () => {
    const v = vector("result-int");
    const verdict = await refused(v, { secret: v.secret.slice(3), now: v.timestamp - 600 });
    expect(verdict.code).toBe("TIMESTAMP_IN_FUTURE");
    expect(reasons(verdict.diagnosis)).toEqual(["SECRET_PREFIX", "CLOCK_SKEW"]);
  });

  it("a stale callback whose signature is wrong too is not blamed on the clock", async () => {
    const v = vector("bad-wrong-key");
    const verdict = await refused(v, { now: v.timestamp + 3600 });
    expect(verdict.code).toBe("TIMESTAMP_EXPIRED");
    expect(reasons(verdict.diagnosis)).toEqual(["UNKNOWN"]);
  });

  it("an unsigned delivery (empty signature, timestamp 0) -> UNSIGNED_CALLBACK", async () => {
    const v = vector("result-int");
    const verdict = await refused(v, {}, { timestamp: "0", signature: "" });
    expect(reasons(verdict.diagnosis)).toEqual(["UNSIGNED_CALLBACK"]);
  });

  it.each([
    ["bad-no-colon", "SCHEME_NO_COLON"],
    ["bad-raw-body-not-base64", "SCHEME_RAW_BODY"],
    ["bad-timestamp-first", "SCHEME_TIMESTAMP_FIRST"],
    ["bad-urlsafe-base64", "SCHEME_URLSAFE_BASE64"],
    ["bad-key-base64-decoded", "SCHEME_DECODED_KEY"],
    ["bad-base64-digest", "SCHEME_BASE64_DIGEST"],
    ["bad-truncated", "SCHEME_TRUNCATED_SIGNATURE"],
    ["bad-wrong-key", "UNKNOWN"],
    ["bad-tampered-body", "UNKNOWN"],
    ["bad-empty", "UNKNOWN"],
  ])("%s as it is -> %s", async (name, reason) => {
    const v = vector(name);
    const verdict = await refused(v);
    expect(verdict.code).toBe("INVALID_SIGNATURE");
    expect(reasons(verdict.diagnosis)).toEqual([reason]);
    expect(verdict.diagnosis[0]?.message).toMatch(/^\S.*\.$/);
    await expectNothingLeaked(verdict.diagnosis, v);
  });

  it("a valid vector: ok, no diagnosis", async () => {
    const v = vector("result-int");
    const verdict = await diagnoseCallback(request(v), { secret: v.secret, now: at(v.timestamp) });
    expect(verdict).toMatchObject({ ok: true, diagnosis: [], callback: { taskId: v.task_id } });
  });

  it("a refusal a signature cannot explain gets no diagnosis", async () => {
    const v = vector("result-int");
    const verdict = await diagnoseCallback(
      { ...request(v), headers: { ...request(v).headers, "x-task-status": "done" } },
      { secret: v.secret, now: at(v.timestamp) },
    );
    expect(verdict).toMatchObject({ ok: false, code: "INVALID_HEADER", diagnosis: [] });
  });
});

describe("diagnosis cost", () => {
  afterEach(() => vi.restoreAllMocks());

  /** HMACs computed: through the crypto seam (either build) plus direct Web Crypto calls. */
  function countHmacs() {
    const seamSign = vi.spyOn(seam, "signPayload");
    const subtleSign = vi.spyOn(globalThis.crypto.subtle, "sign");
    return () => {
      const direct = subtleSign.mock.calls.filter(([algorithm]) => algorithm === "HMAC").length;
      // The Web seam signs with Web Crypto itself, so its calls are already in `direct`.
      return seam.name === "web-crypto" ? direct : direct + seamSign.mock.calls.length;
    };
  }

  it.each([1, 2, 5])("never computes more than MAX_DIAGNOSIS_HMACS HMACs, with %i keys", async (keyCount) => {
    const v = vector("bad-wrong-key");
    const secrets = Array.from({ length: keyCount }, (_, i) => ` ${v.secret}${i}\n`);
    const hmacs = countHmacs();
    const diagnosis = await diagnoseRefusal(request(v), "INVALID_SIGNATURE", { secret: secrets, now: at(v.timestamp) });
    expect(reasons(diagnosis)).toEqual(["UNKNOWN"]);
    expect(hmacs()).toBeGreaterThan(keyCount === 1 ? 5 : 9);
    expect(hmacs()).toBeLessThanOrEqual(MAX_DIAGNOSIS_HMACS);
  });

  it("uses our own signer only where no vector fits: a sender that signed the key without sk_", async () => {
    const v = vector("result-int");
    const body = Buffer.from(v.body_base64, "base64");
    const { "X-Task-Signature": signature } = await signCallback({
      body,
      secret: v.secret.slice(3),
      timestamp: v.timestamp,
    });
    const verdict = await refused(v, {}, { signature });
    expect(verdict.diagnosis).toEqual([{ reason: "SECRET_PREFIX", message: expect.stringContaining("sender") }]);
  });
});
