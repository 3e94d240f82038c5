// The conformance suite's server in Bun: every handler it makes is @taskhook/fetch's, on Bun.serve.
import { createHandlerRouter } from "../../conformance/runtime-handlers.js";

const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: createHandlerRouter() });
console.log(`listening on ${server.url}`);
