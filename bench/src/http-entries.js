import { Buffer } from "node:buffer";
import { createServer } from "node:http";
import { createFloor } from "./variants.js";

/**
 * One HTTP pair per entry: `adapter` serves POST /beam through taskhook, `bare` serves the
 * same route on the same framework reading the raw body itself, running the floor
 * verification by hand and acknowledging the callback with the same answer bytes as its
 * adapter (status, Content-Type and body): the processor and the fetch adapter answer
 * `200 {"received":true}` as JSON (the conformance suite pins it), the middleware adapters
 * leave the answer to the bench's route, a bodiless 204. So the ratio measures verification
 * and taskhook's per-request work, not the answer's format. Both resolve to `{ port, close }`
 * on 127.0.0.1.
 * `requires` names the packages an entry needs; entries whose packages are not installed are
 * skipped. To add an adapter: add it to bench/package.json and append an entry here.
 */
export const httpEntries = [
  {
    name: "node:http",
    adapterLabel: "core processor on node:http",
    requires: ["@taskhook/core"],
    frameworks: [],
    async bare({ secret }) {
      const floor = createFloor(secret);
      return listen(
        createServer(async (req, res) => {
          const body = await readAll(req);
          floorAnswer(floor, body, req.headers, res);
        }),
      );
    },
    async adapter({ secret }) {
      const { createCallbackProcessor } = await import("@taskhook/core/adapter");
      const processor = createCallbackProcessor({ secret });
      return listen(
        createServer(async (req, res) => {
          const answer = await processor.process({ method: req.method, headers: req.headers, body: req });
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body);
        }),
      );
    },
  },
  {
    name: "fetch",
    adapterLabel: "@taskhook/fetch on @hono/node-server",
    requires: ["@taskhook/fetch", "@hono/node-server"],
    frameworks: ["@hono/node-server"],
    async bare({ secret }) {
      const floor = createFloor(secret);
      return fetchServer(async (request) => {
        const body = Buffer.from(await request.arrayBuffer());
        const status = floorStatus(floor, body, (name) => request.headers.get(name), 200);
        return new Response(answerBody(status), { status, headers: { ...jsonType } });
      });
    },
    async adapter({ secret }) {
      const { createCallbackHandler } = await import("@taskhook/fetch");
      return fetchServer(createCallbackHandler({ secret, onCallback: () => {} }));
    },
  },
  {
    name: "hono",
    adapterLabel: "@taskhook/hono middleware",
    requires: ["@taskhook/hono", "hono", "@hono/node-server"],
    frameworks: ["hono", "@hono/node-server"],
    async bare({ secret }) {
      const { Hono } = await import("hono");
      const floor = createFloor(secret);
      const app = new Hono();
      app.post("/beam", async (c) => {
        const body = Buffer.from(await c.req.arrayBuffer());
        return c.body(
          null,
          floorStatus(floor, body, (name) => c.req.header(name)),
        );
      });
      return fetchServer(app.fetch);
    },
    async adapter({ secret }) {
      const { Hono } = await import("hono");
      const { taskCallback } = await import("@taskhook/hono");
      const app = new Hono();
      app.post("/beam", taskCallback({ secret }), (c) => c.body(null, 204));
      return fetchServer(app.fetch);
    },
  },
  {
    name: "express",
    adapterLabel: "@taskhook/express middleware",
    requires: ["@taskhook/express", "express"],
    frameworks: ["express"],
    async bare({ secret }) {
      const { default: express } = await import("express");
      const floor = createFloor(secret);
      const app = express();
      app.post("/beam", async (req, res) => {
        const body = await readAll(req);
        res.status(floorStatus(floor, body, (name) => req.headers[name])).end();
      });
      return listen(createServer(app));
    },
    async adapter({ secret }) {
      const { default: express } = await import("express");
      const { taskCallback } = await import("@taskhook/express");
      const app = express();
      app.post("/beam", taskCallback({ secret }), (_req, res) => {
        res.status(204).end();
      });
      return listen(createServer(app));
    },
  },
  {
    name: "fastify",
    adapterLabel: "@taskhook/fastify plugin",
    requires: ["@taskhook/fastify", "fastify"],
    frameworks: ["fastify"],
    async bare({ secret }) {
      const { default: Fastify } = await import("fastify");
      const floor = createFloor(secret);
      const app = Fastify();
      app.removeAllContentTypeParsers();
      app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
      app.post("/beam", async (request, reply) =>
        reply.code(floorStatus(floor, request.body, (name) => request.headers[name])).send(),
      );
      return listenFastify(app);
    },
    async adapter({ secret }) {
      const { default: Fastify } = await import("fastify");
      const { taskCallback } = await import("@taskhook/fastify");
      const app = Fastify();
      await app.register(taskCallback, {
        path: "/beam",
        secret,
        handler: async (_request, reply) => reply.code(204).send(),
      });
      return listenFastify(app);
    },
  },
];

async function listenFastify(app) {
  await app.listen({ port: 0, host: "127.0.0.1" });
  return { port: app.server.address().port, close: () => app.close() };
}

/** A Web fetch handler on @hono/node-server, the usual way to run one on Node. */
async function fetchServer(fetch) {
  const { createAdaptorServer } = await import("@hono/node-server");
  return listen(createAdaptorServer({ fetch }));
}

/** The floor verification by hand, as a status: `ok` (204) when the signature matches, else 401. */
function floorStatus(floor, body, header, ok = 204) {
  try {
    floor.verify(body, header("x-task-timestamp"), header("x-task-signature"));
    return ok;
  } catch {
    return 401;
  }
}

/** Node's request stream to one Buffer. */
export async function readAll(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

// The answer the processor (and so the fetch adapter) sends, built per request as a route would.
const jsonType = { "content-type": "application/json; charset=utf-8" };
const answerBody = (status) =>
  JSON.stringify(status === 200 ? { received: true } : { error: { code: "INVALID_SIGNATURE", message: "floor" } });

/**
 * The bare route's work on node:http: floor verification, then the processor's answer
 * (200 `{"received":true}` as JSON, or 401), written the way the bench's processor route writes it.
 */
function floorAnswer(floor, body, headers, res) {
  const status = floorStatus(floor, body, (name) => headers[name], 200);
  res.writeHead(status, { ...jsonType });
  res.end(answerBody(status));
}

/** Starts a node:http server on 127.0.0.1 and an ephemeral port. */
export function listen(server) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve({ port: server.address().port, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}
