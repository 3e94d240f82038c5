import { createTestCallback } from "@taskhook/core";
import { createCallbackProcessor } from "@taskhook/core/adapter";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { confirmed, createCallbackConfirmer } from "../src/index.js";
import { type FakeBeamApiServer, startFakeBeamApi } from "../src/testing/index.js";

const workspaceId = "ws-confirm";
const token = "tok_confirm";
const secret = "sk_confirm";
const id = "00000000-0000-4000-8000-000000000001";
let beam: FakeBeamApiServer;

beforeEach(async () => {
  beam = await startFakeBeamApi({ workspaceId, token });
  beam.add({ id, status: "COMPLETE", createdAt: Date.now() - 60_000, endedAt: Date.now() - 1000, result: { n: 1 } });
});
afterEach(() => beam.close());

const options = () => ({ workspaceId, token, apiUrl: beam.url, retry: { attempts: 2, baseDelayMs: 1 } });

async function deliver(handler: ReturnType<typeof confirmed>, taskId: string, status = "COMPLETE") {
  const errors: unknown[] = [];
  const processor = createCallbackProcessor({ secret, onCallback: handler, onError: (e) => errors.push(e) });
  const signed = await createTestCallback({ data: { n: 1 }, secret, taskId, status });
  const answer = await processor.process({ method: "POST", headers: signed.headers, body: signed.body });
  return { status: answer.status, errors };
}

describe("confirmation against Beam's API", () => {
  it("runs the handler with the API's task when the id and status match", async () => {
    const handler = vi.fn();
    expect((await deliver(confirmed(handler, options()), id)).status).toBe(200);
    expect(handler).toHaveBeenCalledWith(
      expect.objectContaining({ taskId: id }),
      expect.objectContaining({ id, status: "COMPLETE" }),
    );
    expect(beam.requests.map((r) => r.path)).toEqual([`/api/v1/task/${workspaceId}/${id}`]);
  });

  it("refuses an unknown task id or a status the API contradicts, without running the handler", async () => {
    const handler = vi.fn();
    const unknown = await deliver(confirmed(handler, options()), "00000000-0000-4000-8000-000000000999");
    expect(unknown.status).toBe(500);
    expect(unknown.errors[0]).toMatchObject({ name: "CallbackNotConfirmedError", code: "UNKNOWN_TASK" });
    const mismatch = await deliver(confirmed(handler, options()), id, "ERROR");
    expect(mismatch.errors[0]).toMatchObject({
      code: "STATUS_MISMATCH",
      message: expect.stringMatching(/says ERROR .* COMPLETE/),
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it("fails the delivery (so Beam retries) when the API cannot answer", async () => {
    beam.fault({ status: 503 }, { status: 503 });
    const confirm = createCallbackConfirmer(options());
    const signed = await createTestCallback({ data: {}, secret, taskId: id });
    const processor = createCallbackProcessor({ secret, onCallback: async (cb) => confirm(cb), onError: () => {} });
    const answer = await processor.process({ method: "POST", headers: signed.headers, body: signed.body });
    expect(answer.status).toBe(500);
    const retry = await processor.process({ method: "POST", headers: signed.headers, body: signed.body });
    expect(retry.status).toBe(200);
  });
});
