import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createCallbackProcessor, DEFAULT_MAX_BODY_BYTES } from "../src/adapter.js";
import { createTestCallback, createVerifier, type LargeIntegers, signCallback } from "../src/index.js";
import { parseJson } from "../src/json-integers.js";
import { type Vector, vectorOptions, vectorRequest, vectorsPath } from "./vectors.js";

const secret = "sk_test_fidelity";
const T = 1_764_230_400;
const now = () => T * 1000;

/** The vector file read with every digit kept, so each vector's `data` is exact. */
const exactVectors = (parseJson(readFileSync(vectorsPath, "utf8"), "bigint") as { vectors: Vector[] }).vectors;
const asText = (value: unknown): unknown =>
  typeof value === "bigint"
    ? String(value)
    : Array.isArray(value)
      ? value.map(asText)
      : typeof value === "object" && value !== null
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asText(v)]))
        : value;

describe("largeIntegers", () => {
  const valid = exactVectors.filter((v) => v.expect === "valid");

  it("reads a vector with integers beyond 2^53", () => {
    const hasBigint = (v: Vector) =>
      JSON.stringify(v.data, (_, x) => (typeof x === "bigint" ? "<big>" : x)).includes("<big>");
    expect(valid.filter(hasBigint).length).toBeGreaterThan(0);
  });

  for (const mode of ["bigint", "string"] as const) {
    it.each(valid.map((v) => [v.name, v] as const))(`"${mode}": vector %s parses to its exact data`, async (_, v) => {
      const callback = await createVerifier({ ...vectorOptions(v), largeIntegers: mode }).verify(vectorRequest(v));
      expect(callback.data).toStrictEqual(mode === "bigint" ? v.data : asText(v.data));
    });
  }

  it('"number" (the default) rounds like JSON.parse', async () => {
    const big = await createTestCallback({ data: { ns: 1764230400123456789n }, secret, timestamp: T });
    for (const options of [{}, { largeIntegers: "number" as const }]) {
      const callback = await createVerifier({ secret, now, ...options }).verify(big);
      expect(callback.data).toEqual({ ns: 1764230400123456800 });
    }
  });

  it("applies to a form body's JSON too", async () => {
    const body = `data=${encodeURIComponent('{"id": 18446744073709551616}')}`;
    const headers = {
      "content-type": "application/x-www-form-urlencoded",
      "x-task-id": "task-1",
      "x-task-status": "COMPLETE",
      ...(await signCallback({ body, secret, timestamp: T })),
    };
    const callback = await createVerifier({ secret, now, largeIntegers: "bigint" }).verify({ headers, body });
    expect(callback.data).toEqual({ id: 18446744073709551616n });
  });

  it("refuses an unknown option value, naming the accepted ones", () => {
    expect(() => createVerifier({ secret, largeIntegers: "BigInt" as LargeIntegers })).toThrow(
      /"number", "bigint" or "string"/,
    );
  });
});

describe("UNSIGNED_CALLBACK", () => {
  const unsigned = async () => {
    const { headers, body } = await createTestCallback({ data: { result: 10 }, secret, timestamp: T });
    return { headers: { ...headers, "X-Task-Signature": "", "X-Task-Timestamp": "0" }, body };
  };

  it("answers an empty signature with timestamp 0 with 401 UNSIGNED_CALLBACK, before the timestamp window", async () => {
    const error = await createVerifier({ secret, now })
      .verify(await unsigned())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "UNSIGNED_CALLBACK", status: 401 });
    expect((error as Error).message).toMatch(/could not sign/);
    expect((error as Error).message).not.toMatch(/clock/);
  });

  it("goes through the processor's table like every code", async () => {
    const response = await createCallbackProcessor({ secret, now, onCallback: () => {} }).process({
      method: "POST",
      ...(await unsigned()),
    });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: "UNSIGNED_CALLBACK" } });
  });

  it("is only the pair: an empty signature alone is INVALID_SIGNATURE, timestamp 0 alone TIMESTAMP_EXPIRED", async () => {
    const { headers, body } = await unsigned();
    const verifier = createVerifier({ secret, now });
    const signed = await createTestCallback({ data: { result: 10 }, secret, timestamp: T });
    await expect(
      verifier.verify({ headers: { ...headers, "X-Task-Timestamp": String(T) }, body }),
    ).rejects.toMatchObject({ code: "INVALID_SIGNATURE" });
    await expect(
      verifier.verify({ headers: { ...signed.headers, "X-Task-Timestamp": "0" }, body: signed.body }),
    ).rejects.toMatchObject({ code: "TIMESTAMP_EXPIRED" });
  });
});

describe("Beam's sender limits and habits", () => {
  it("accepts 16 MiB by default: a 12 MiB callback verifies and streams through the processor", async () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(16 * 1024 * 1024);
    const callback = await createTestCallback({ data: { blob: "x".repeat(12 * 1024 * 1024) }, secret, timestamp: T });
    await expect(createVerifier({ secret, now }).verify(callback)).resolves.toMatchObject({ taskId: callback.taskId });
    const bytes = new TextEncoder().encode(callback.body);
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 1024 * 1024) yield bytes.subarray(i, i + 1024 * 1024);
    }
    const response = await createCallbackProcessor({ secret, now, onCallback: () => {} }).process({
      method: "POST",
      headers: callback.headers,
      body: chunks(),
    });
    expect(response.status).toBe(200);
  });

  it("keys duplicates by task id, status and signature: TIMEOUT and CANCELLED with the same bytes both run", async () => {
    const seen: string[] = [];
    const processor = createCallbackProcessor({ secret, now, onCallback: (c) => void seen.push(c.status) });
    const request = async (status: string) => ({
      method: "POST",
      ...(await createTestCallback({ data: {}, secret, timestamp: T, taskId: "task-1", status })),
    });
    expect((await processor.process(await request("TIMEOUT"))).handled).toBe(true);
    expect((await processor.process(await request("CANCELLED"))).handled).toBe(true);
    expect(JSON.parse((await processor.process(await request("CANCELLED"))).body)).toEqual({
      received: true,
      duplicate: true,
    });
    expect(seen).toEqual(["TIMEOUT", "CANCELLED"]);
  });

  it.each(["GET", "HEAD"])("answers a %s carrying X-Task-Signature 405, naming the redirect", async (method) => {
    const { headers } = await createTestCallback({ data: {}, secret, timestamp: T });
    const response = await createCallbackProcessor({ secret, now, onCallback: () => {} }).process({
      method,
      headers,
      body: null,
    });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe("POST");
    const { message } = JSON.parse(response.body).error;
    expect(message).toMatch(/301, 302 or 303 redirect/);
    expect(message).toMatch(/https/);
    expect(message).toMatch(/trailing slash/);
  });

  it("answers other methods 405 without talking of redirects", async () => {
    const processor = createCallbackProcessor({ secret, now, onCallback: () => {} });
    const get = await processor.process({ method: "GET", headers: {}, body: null });
    const put = await processor.process({ method: "PUT", headers: { "x-task-signature": "ab" }, body: "{}" });
    for (const response of [get, put]) {
      expect(response.status).toBe(405);
      expect(JSON.parse(response.body).error.message).not.toMatch(/redirect/);
    }
  });
});
