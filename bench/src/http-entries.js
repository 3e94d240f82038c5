import { Buffer } from "node:buffer";
import { createServer } from "node:http";
import { createFloor } from "./variants.js";

/**
 * One HTTP pair per entry: `adapter` serves POST /beam through taskhook, `bare` serves the
 * same route on the same framework reading the raw body itself, running the floor
 * verification by hand and answering 204. Both resolve to `{ port, close }` on 127.0.0.1.
 * `requires` names the packages an entry needs; entries whose packages are not installed are
 * skipped. To add an adapter: add it to bench/package.json and append an entry here.
 */
export const httpEntries = [
  {
    name: "node:http",
    adapterLabel: "core processor on node:http",
    requires: ["@taskhook/core"],
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
      const { createCallbackProcessor } = await import("@taskhook/core");
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
];

/** Node's request stream to one Buffer. */
export async function readAll(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/** The bare route's work on node:http-style responses: floor verification, then 204 or 401. */
function floorAnswer(floor, body, headers, res) {
  try {
    floor.verify(body, headers["x-task-timestamp"], headers["x-task-signature"]);
    res.statusCode = 204;
  } catch {
    res.statusCode = 401;
  }
  res.end();
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
