// The conformance suite's server in workerd: every handler it makes is @taskhook/fetch's, in one Worker.
import { createHandlerRouter } from "../../conformance/runtime-handlers.js";

const route = createHandlerRouter();

export default { fetch: (request: Request) => route(request) };
