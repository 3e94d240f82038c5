// The conformance suite's server in Deno: every handler it makes is @taskhook/fetch's, on Deno.serve.
import { createHandlerRouter } from "../../conformance/runtime-handlers.ts";

Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}/`) },
  createHandlerRouter(),
);

// Ends with the test process, however that ended: its end closes this stdin.
const stdin = Deno.stdin.readable.getReader();
while (!(await stdin.read()).done);
Deno.exit(0);
