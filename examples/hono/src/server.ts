import { serve } from "@hono/node-server";
import { taskCallback } from "@taskhook/hono";
import { Hono } from "hono";

const secret = process.env.TASKHOOK_SECRET;
if (!secret) {
  console.error("Set TASKHOOK_SECRET to your Beam signing key (sk_...).");
  process.exit(1);
}

const app = new Hono();

// Only verified callbacks reach the route; the middleware answers every refused one itself.
app.post("/beam", taskCallback({ secret }), (c) => {
  const { taskId, status, data } = c.var.taskCallback;
  console.log(`callback ${taskId} ${status} ${JSON.stringify(data)}`);
  return c.json({ received: true });
});

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "127.0.0.1";
serve({ fetch: app.fetch, port, hostname }, (info) => {
  console.log(`listening on http://${hostname}:${info.port}/beam`);
});
