import { describe, expect, it } from "vitest";
import {
  createTestCallback,
  createVerifier,
  errorStatus,
  isFailureStatus,
  isKnownStatus,
  isSuccessStatus,
  isTaskCallbackError,
  signCallback,
  TaskCallbackError,
  verifyCallback,
} from "../src/index.js";

const secret = "sk_test_0123456789";
const T = 1_764_230_400;
const at = (seconds: number) => () => seconds * 1000;

async function signed(overrides: Partial<Parameters<typeof createTestCallback>[0]> = {}) {
  return createTestCallback({ data: { result: 10 }, secret, timestamp: T, taskId: "task-1", ...overrides });
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    expect(isTaskCallbackError(error)).toBe(true);
    return (error as TaskCallbackError).code;
  }
}

describe("verify", () => {
  it("accepts a callback and returns every field", async () => {
    const { headers, body } = await signed({ status: "ERROR" });
    const callback = await createVerifier({ secret, now: at(T) }).verify({ headers, body });
    expect(callback).toMatchObject({
      taskId: "task-1",
      status: "ERROR",
      timestamp: T,
      data: { result: 10 },
      secretIndex: 0,
    });
    expect(new TextDecoder().decode(callback.body)).toBe(body);
    expect(callback.signature).toBe(headers["X-Task-Signature"]);
  });

  it("accepts the body as string, Uint8Array, ArrayBuffer and Node Buffer", async () => {
    const { headers, body } = await signed();
    const verifier = createVerifier({ secret, now: at(T) });
    const bytes = new TextEncoder().encode(body);
    for (const input of [body, bytes, bytes.buffer, Buffer.from(body), new Uint8Array([0, ...bytes]).subarray(1)]) {
      await expect(verifier.verify({ headers, body: input })).resolves.toMatchObject({ data: { result: 10 } });
    }
  });

  it("reads headers from Headers, Node's IncomingHttpHeaders and mixed-case records", async () => {
    const { headers, body } = await signed();
    const verifier = createVerifier({ secret, now: at(T) });
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const arrays = Object.fromEntries(Object.entries(lower).map(([k, v]) => [k, [v]]));
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    for (const shape of [new Headers(headers), headers, lower, arrays, upper]) {
      await expect(verifier.verify({ headers: shape, body })).resolves.toMatchObject({ taskId: "task-1" });
    }
  });

  it("rejects a header sent twice with different values", async () => {
    const { headers, body } = await signed();
    const verifier = createVerifier({ secret, now: at(T) });
    const sig = headers["X-Task-Signature"];
    const twice = { ...headers, "X-Task-Signature": [sig, sig.replace(/^./, sig[0] === "a" ? "b" : "a")] };
    expect(await codeOf(verifier.verify({ headers: twice, body }))).toBe("INVALID_SIGNATURE");
    const joined = new Headers(headers);
    joined.append("X-Task-Timestamp", String(T));
    expect(await codeOf(verifier.verify({ headers: joined, body }))).toBe("INVALID_HEADER");
  });

  it.each(["X-Task-ID", "X-Task-Status", "X-Task-Timestamp", "X-Task-Signature"] as const)(
    "answers MISSING_HEADER 400 without %s, naming it",
    async (name) => {
      const { headers, body } = await signed();
      const { [name]: _, ...rest } = headers;
      const error = await createVerifier({ secret, now: at(T) })
        .verify({ headers: rest, body })
        .catch((e: TaskCallbackError) => e);
      expect(error).toMatchObject({ code: "MISSING_HEADER", status: 400, name: "TaskCallbackError" });
      expect((error as Error).message).toContain(name);
    },
  );

  it.each([
    ["X-Task-Timestamp", "17642304OO"],
    ["X-Task-Timestamp", "-1"],
    ["X-Task-Timestamp", "1764230400.5"],
    ["X-Task-Timestamp", "1.7e9"],
    ["X-Task-Timestamp", "+1764230400"],
    ["X-Task-Timestamp", "01764230400"],
    ["X-Task-Timestamp", "99999999999999999999"],
    ["X-Task-Timestamp", ""],
    ["X-Task-Status", "complete"],
    ["X-Task-Status", ""],
    ["X-Task-ID", ""],
    ["X-Task-ID", "a b"],
    ["X-Task-ID", "x".repeat(200)],
  ])("answers INVALID_HEADER 400 for %s = %j", async (name, value) => {
    const { headers, body } = await signed();
    const error = await createVerifier({ secret, now: at(T) })
      .verify({ headers: { ...headers, [name]: value }, body })
      .catch((e: TaskCallbackError) => e);
    expect(error).toMatchObject({ code: "INVALID_HEADER", status: 400 });
  });

  it("accepts unknown future statuses as they are", async () => {
    const { headers, body } = await signed({ status: "PAUSED_BY_USER" });
    const callback = await createVerifier({ secret, now: at(T) }).verify({ headers, body });
    expect(callback.status).toBe("PAUSED_BY_USER");
    expect(isKnownStatus(callback.status)).toBe(false);
  });

  it("rejects malformed signatures as INVALID_SIGNATURE 401, not as a thrown TypeError", async () => {
    const { headers, body } = await signed();
    const verifier = createVerifier({ secret, now: at(T) });
    const sig = headers["X-Task-Signature"];
    for (const bad of [
      "",
      sig.slice(0, 63),
      `${sig}0`,
      `${sig.slice(0, 63)}g`,
      `sha256=${sig}`,
      " ".repeat(64),
      "é".repeat(64),
    ]) {
      const error = await verifier.verify({ headers: { ...headers, "X-Task-Signature": bad }, body }).catch((e) => e);
      expect(error, bad).toMatchObject({ code: "INVALID_SIGNATURE", status: 401 });
    }
  });

  it("answers malformed and mismatched signatures alike, so a caller learns nothing", async () => {
    const { headers, body } = await signed();
    const verifier = createVerifier({ secret, now: at(T) });
    const malformed = await verifier
      .verify({ headers: { ...headers, "X-Task-Signature": "zz" }, body })
      .catch((e) => e);
    const mismatched = await verifier.verify({ headers, body: body.replace("10", "11") }).catch((e) => e);
    expect(malformed.status).toBe(mismatched.status);
    expect(malformed.code).toBe(mismatched.code);
  });

  it("never echoes the secret or the expected signature", async () => {
    const { headers, body } = await signed();
    const expected = headers["X-Task-Signature"];
    const tampered = body.replace("10", "11");
    const error = await verifyCallback({ headers, body: tampered }, { secret, now: at(T) }).catch((e) => e);
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(expected);
    expect(JSON.stringify(error)).not.toContain(secret);
  });

  describe("timestamp tolerance (default 60 s, both directions)", () => {
    it.each([
      [T + 60, undefined],
      [T + 61, "TIMESTAMP_EXPIRED"],
      [T - 60, undefined],
      [T - 61, "TIMESTAMP_IN_FUTURE"],
      [T + 3600, "TIMESTAMP_EXPIRED"],
    ])("at now = T%s", async (now, code) => {
      const { headers, body } = await signed();
      expect(await codeOf(createVerifier({ secret, now: at(now) }).verify({ headers, body }))).toBe(code);
    });

    it("honours a tighter window, e.g. Beam's suggested 5 s", async () => {
      const { headers, body } = await signed();
      const verifier = createVerifier({ secret, toleranceSeconds: 5, now: at(T + 6) });
      expect(await codeOf(verifier.verify({ headers, body }))).toBe("TIMESTAMP_EXPIRED");
      const ok = createVerifier({ secret, toleranceSeconds: 5, now: at(T + 5) });
      expect(await codeOf(ok.verify({ headers, body }))).toBeUndefined();
    });

    it("checks the timestamp before the signature", async () => {
      const { headers, body } = await signed();
      const stale = { ...headers, "X-Task-Signature": "0".repeat(64) };
      expect(await codeOf(createVerifier({ secret, now: at(T + 999) }).verify({ headers: stale, body }))).toBe(
        "TIMESTAMP_EXPIRED",
      );
    });
  });

  describe("key rotation", () => {
    it("accepts any configured key and reports which matched", async () => {
      const { headers, body } = await signed({ secret: "sk_new" });
      const callback = await createVerifier({ secret: ["sk_old", "sk_new"], now: at(T) }).verify({ headers, body });
      expect(callback.secretIndex).toBe(1);
      expect(await codeOf(createVerifier({ secret: ["sk_old"], now: at(T) }).verify({ headers, body }))).toBe(
        "INVALID_SIGNATURE",
      );
    });

    it("uses the key as-is, never base64-decoded", async () => {
      const key = "sk_CZdC0U2K1iUqSGQ88/FE7BbLKXYI9OopvjQKlf69pn0=";
      const { headers, body } = await signed({ secret: key });
      await expect(
        createVerifier({ secret: key.slice(3), now: at(T) }).verify({ headers, body }),
      ).rejects.toMatchObject({
        code: "INVALID_SIGNATURE",
      });
    });
  });

  describe("body", () => {
    it("answers BODY_TOO_LARGE 413 over maxBodyBytes and accepts exactly at it", async () => {
      const { headers, body } = await signed();
      const size = new TextEncoder().encode(body).length;
      expect(
        await codeOf(createVerifier({ secret, now: at(T), maxBodyBytes: size - 1 }).verify({ headers, body })),
      ).toBe("BODY_TOO_LARGE");
      expect(await codeOf(createVerifier({ secret, now: at(T), maxBodyBytes: size }).verify({ headers, body }))).toBe(
        undefined,
      );
    });

    it("answers INVALID_BODY 400 for empty, non-JSON, non-object and data-less bodies with valid signatures", async () => {
      const verifier = createVerifier({ secret, now: at(T) });
      for (const body of ["", "not json", "[1,2]", '"data"', "null", '{"result": 10}', '{"data": 1', "\u00ff"]) {
        const { headers } = await signed();
        const sig = await signCallback({ body, secret, timestamp: T });
        const error = await verifier.verify({ headers: { ...headers, ...sig }, body }).catch((e) => e);
        expect(error, JSON.stringify(body)).toMatchObject({ code: "INVALID_BODY", status: 400 });
      }
    });

    it("accepts bytes from another realm (node:vm, Jest) and refuses a parsed object as BODY_ALREADY_PARSED", async () => {
      const { runInNewContext } = await import("node:vm");
      const { headers, body } = await signed();
      const verifier = createVerifier({ secret, now: at(T) });
      const bytes = [...new TextEncoder().encode(body)];
      const foreign = runInNewContext(
        `[new Uint8Array(${JSON.stringify(bytes)}), new Uint8Array(${JSON.stringify(bytes)}).buffer]`,
      );
      for (const input of foreign) {
        expect(input instanceof Uint8Array || input instanceof ArrayBuffer).toBe(false);
        await expect(verifier.verify({ headers, body: input })).resolves.toMatchObject({ data: { result: 10 } });
      }
      for (const parsed of [{ data: { result: 10 } }, null, undefined, 42]) {
        const error = await verifier.verify({ headers, body: parsed as unknown as string }).catch((e) => e);
        expect(error).toMatchObject({ code: "BODY_ALREADY_PARSED", status: 500 });
        expect(error.message).toMatch(/raw/);
      }
    });

    it("refuses data nested deeper than Python's json.dumps can write (1,000), without a stack overflow", async () => {
      const verifier = createVerifier({ secret, now: at(T) });
      const nested = (depth: number) => `{"data": ${"[".repeat(depth)}${"]".repeat(depth)}}`;
      for (const [depth, code] of [
        [1000, undefined],
        [1001, "INVALID_BODY"],
        [100_000, "INVALID_BODY"],
      ] as const) {
        const body = nested(depth);
        const { headers } = await signed();
        const sig = await signCallback({ body, secret, timestamp: T });
        expect(await codeOf(verifier.verify({ headers: { ...headers, ...sig }, body })), String(depth)).toBe(code);
      }
    });

    it("refuses a form whose data nests deeper than 1,000 levels in percent-encoded brackets", async () => {
      const verifier = createVerifier({ secret, now: at(T) });
      const body = `data=${"%5B".repeat(1001)}${"%5D".repeat(1001)}`;
      const { headers } = await signed();
      const sig = await signCallback({ body, secret, timestamp: T });
      const form = { ...headers, ...sig, "content-type": "application/x-www-form-urlencoded" };
      expect(await codeOf(verifier.verify({ headers: form, body }))).toBe("INVALID_BODY");
    });

    it("accepts data with more than 1,000 brackets side by side (wide, not deep)", async () => {
      const verifier = createVerifier({ secret, now: at(T) });
      const body = `{"data": [${Array.from({ length: 3000 }, () => "[]").join(",")}]}`;
      const { headers } = await signed();
      const sig = await signCallback({ body, secret, timestamp: T });
      expect(await codeOf(verifier.verify({ headers: { ...headers, ...sig }, body }))).toBeUndefined();
    });

    it("rejects bytes that are not UTF-8", async () => {
      const body = new Uint8Array([0x7b, 0x22, 0x64, 0x61, 0x74, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]);
      const { headers } = await signed();
      const sig = await signCallback({ body, secret, timestamp: T });
      expect(
        await codeOf(createVerifier({ secret, now: at(T) }).verify({ headers: { ...headers, ...sig }, body })),
      ).toBe("INVALID_BODY");
    });

    it("reads form-urlencoded bodies: JSON text decoded, other text kept as a string", async () => {
      const verifier = createVerifier({ secret, now: at(T) });
      const cases: [string, unknown][] = [
        ["data=%7B%22result%22%3A+10%7D", { result: 10 }],
        ["data=hello+world", "hello world"],
        ["other=1&data=42", 42],
      ];
      for (const [body, data] of cases) {
        const { headers } = await signed();
        const sig = await signCallback({ body, secret, timestamp: T });
        const form = { ...headers, ...sig, "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" };
        await expect(verifier.verify({ headers: form, body })).resolves.toMatchObject({ data });
      }
      for (const body of ["other=1", "data=1&data=2"]) {
        const { headers } = await signed();
        const sig = await signCallback({ body, secret, timestamp: T });
        const form = { ...headers, ...sig, "Content-Type": "application/x-www-form-urlencoded" };
        expect(await codeOf(verifier.verify({ headers: form, body }))).toBe("INVALID_BODY");
      }
    });

    it("keeps __proto__ as plain data and pollutes nothing", async () => {
      const body = '{"data": {"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}}';
      const { headers } = await signed();
      const sig = await signCallback({ body, secret, timestamp: T });
      const callback = await createVerifier({ secret, now: at(T) }).verify({ headers: { ...headers, ...sig }, body });
      expect(Object.hasOwn(callback.data as object, "__proto__")).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf(callback.data)).toBe(Object.prototype);
    });

    it("refuses compressed bodies with UNSUPPORTED_ENCODING 415", async () => {
      const { headers, body } = await signed();
      const gz = { ...headers, "Content-Encoding": "gzip" };
      expect(await codeOf(createVerifier({ secret, now: at(T) }).verify({ headers: gz, body }))).toBe(
        "UNSUPPORTED_ENCODING",
      );
      const identity = { ...headers, "Content-Encoding": "identity" };
      expect(await codeOf(createVerifier({ secret, now: at(T) }).verify({ headers: identity, body }))).toBeUndefined();
    });
  });

  it("fails loudly, never open, when now() is not a number", async () => {
    const { headers, body } = await signed();
    for (const now of [() => Number.NaN, () => undefined as unknown as number]) {
      await expect(createVerifier({ secret, now }).verify({ headers, body })).rejects.toThrow(/now\(\)/);
    }
  });

  it("matches a Map's lower-case keys too", async () => {
    const { headers, body } = await signed();
    const map = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    await expect(createVerifier({ secret, now: at(T) }).verify({ headers: map, body })).resolves.toMatchObject({
      taskId: "task-1",
    });
  });

  describe("options", () => {
    it("explains a missing or empty secret", () => {
      expect(() => createVerifier({ secret: "" })).toThrow(/Settings -> General/);
      expect(() => createVerifier({ secret: [] })).toThrow(TypeError);
      expect(() => createVerifier({ secret: undefined as unknown as string })).toThrow(/secret/);
    });

    it("rejects nonsense numbers", () => {
      expect(() => createVerifier({ secret, toleranceSeconds: -1 })).toThrow(/toleranceSeconds/);
      expect(() => createVerifier({ secret, maxBodyBytes: Number.NaN })).toThrow(/maxBodyBytes/);
    });
  });
});

describe("errors", () => {
  it("carries a literal name, a stable code and the status from the one table", () => {
    const error = new TaskCallbackError("BODY_TOO_LARGE", "too big");
    expect(error).toMatchObject({ name: "TaskCallbackError", code: "BODY_TOO_LARGE", status: 413 });
    expect(error.toJSON()).toEqual({ error: { code: "BODY_TOO_LARGE", message: "too big" } });
    expect(errorStatus).toMatchObject({
      MISSING_HEADER: 400,
      INVALID_HEADER: 400,
      INVALID_SIGNATURE: 401,
      TIMESTAMP_EXPIRED: 401,
      TIMESTAMP_IN_FUTURE: 401,
      BODY_TOO_LARGE: 413,
      INVALID_BODY: 400,
      BODY_ALREADY_PARSED: 500,
    });
  });

  it("recognises errors by code, not by class identity", () => {
    const foreign = Object.assign(new Error("x"), { name: "TaskCallbackError", code: "INVALID_BODY", status: 400 });
    expect(isTaskCallbackError(foreign)).toBe(true);
    expect(isTaskCallbackError(Object.assign(new Error("x"), { code: "INVALID_BODY" }))).toBe(false);
    expect(isTaskCallbackError({ name: "TaskCallbackError", code: "NOPE" })).toBe(false);
    expect(isTaskCallbackError(null)).toBe(false);
  });
});

describe("status helpers", () => {
  it("sorts Beam's statuses into success and failure", () => {
    expect(isSuccessStatus("COMPLETE")).toBe(true);
    for (const s of ["ERROR", "CANCELLED", "TIMEOUT", "EXPIRED"]) expect(isFailureStatus(s)).toBe(true);
    for (const s of ["PENDING", "RUNNING", "RETRY", "SOMETHING_NEW"]) {
      expect(isSuccessStatus(s)).toBe(false);
      expect(isFailureStatus(s)).toBe(false);
    }
  });
});
