import { createCallbackProcessor } from "@taskhook/core/adapter";
import { defineConformanceSuite, startHttpServer } from "../src/index.js";

// The smallest possible adapter, straight on node:http: it checks the suite itself, and shows
// what an adapter's test looks like.
defineConformanceSuite({
  name: "node:http reference",
  nonPost: "405",
  start: (options) => {
    const processor = createCallbackProcessor(options);
    return startHttpServer(async (req, res) => {
      const { status, headers, body } = await processor.process({
        method: req.method,
        headers: req.headers,
        body: req,
      });
      res.writeHead(status, headers).end(body);
    });
  },
});
