// The receiver under attack, in its own process so its RSS is its own: Express 5 with
// @taskhook/express's defaults, answering on POST /beam at 127.0.0.1. It samples its RSS
// every 20 ms and sends {port} once listening, then {baseline, peak} when asked.
import { createServer } from "node:http";
import { taskCallback } from "@taskhook/express";
import express from "express";

const app = express().post("/beam", taskCallback({ secret: "sk_bench_slow_bodies", onCallback: () => {} }));
const server = createServer(app);
let peak = 0;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage.rss());
};
setInterval(sample, 20).unref();

server.listen(0, "127.0.0.1", () => {
  globalThis.gc?.();
  const baseline = process.memoryUsage.rss();
  peak = baseline;
  process.send?.({ port: server.address().port, baseline });
});
process.on("message", (message) => {
  if (message === "report") {
    sample();
    process.send?.({ peak, now: process.memoryUsage.rss() });
  }
  if (message === "stop") {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
