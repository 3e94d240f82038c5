import { describe } from "vitest";
import { caseGroups } from "./cases/index.js";
import { type ConformanceTarget, createContext } from "./context.js";

/**
 * Declares taskhook's conformance suite for one adapter, as vitest tests: real HTTP requests
 * to a server the adapter starts, checked against the shared vectors and core's error table.
 * Call it at the top level of a test file; every adapter runs the same cases.
 *
 * @example
 * ```ts
 * import { defineConformanceSuite, startHttpServer } from "@taskhook/conformance";
 * import { getRequestListener } from "@hono/node-server";
 * import { createCallbackHandler } from "@taskhook/fetch";
 *
 * defineConformanceSuite({
 *   name: "fetch",
 *   nonPost: "405",
 *   start: (options) => startHttpServer(getRequestListener(createCallbackHandler(options))),
 * });
 * ```
 */
export function defineConformanceSuite(target: ConformanceTarget): void {
  const ctx = createContext(target);
  describe(`${target.name}: taskhook conformance`, () => {
    for (const cases of caseGroups) cases(ctx);
  });
}
