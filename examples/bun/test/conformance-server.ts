// The conformance suite's server in Bun: every handler it makes is @taskhook/fetch's, on Bun.serve.
import { createHandlerRouter } from "../../conformance/runtime-handlers.js";

const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: createHandlerRouter() });
console.log(`listening on ${server.url}`);

// Ends with the test process, however that ended: its end closes this stdin.
const stdin = Bun.stdin.stream().getReader();
while (!(await stdin.read()).done);
process.exit(0);
