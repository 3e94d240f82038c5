import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createFakeBeamTaskApi, type FakeBeamTaskApi } from "./fake-beam-api.js";

export {
  createFakeBeamTaskApi,
  type FakeBeamTaskApi,
  type FakeFault,
  type FakeRequest,
  type FakeTask,
} from "./fake-beam-api.js";

/** A {@link FakeBeamTaskApi} served over HTTP on 127.0.0.1. */
export interface FakeBeamApiServer extends FakeBeamTaskApi {
  /** Pass it as `apiUrl`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves a fake of Beam's task API on 127.0.0.1 (a free port) for tests on Node: the two task
 * endpoints, Bearer auth, the query filters and cursor pagination as beta9 defines them.
 *
 * @example
 * ```ts
 * const beam = await startFakeBeamApi({ workspaceId: "ws", token: "tok" });
 * beam.add({ id: crypto.randomUUID(), status: "EXPIRED", createdAt: Date.now() - 60_000 });
 * const reconciler = createReconciler({ apiUrl: beam.url, workspaceId: "ws", token: "tok", ... });
 * await beam.close();
 * ```
 */
export async function startFakeBeamApi(options: { workspaceId: string; token: string }): Promise<FakeBeamApiServer> {
  const api = createFakeBeamTaskApi(options);
  const server = createServer((req, res) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const request = new Request(new URL(req.url ?? "/", "http://127.0.0.1"), { method: req.method ?? "GET", headers });
    api
      .handle(request)
      .then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(await response.text());
      })
      .catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(api, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
