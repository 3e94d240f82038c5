import { serve } from "@hono/node-server";
import { createCallbackHandler } from "@taskhook/fetch";

const secret = process.env.TASKHOOK_SECRET;
if (!secret) {
  console.error("Set TASKHOOK_SECRET to your Beam signing key (sk_...).");
  process.exit(1);
}

// A Web handler, (request: Request) => Promise<Response>: the same one runs on Bun, Deno or Workers.
const handleCallback = createCallbackHandler({
  secret,
  onCallback: ({ taskId, status, data }) => {
    console.log(`callback ${taskId} ${status} ${JSON.stringify(data)}`);
  },
});

// @hono/node-server only turns Node's requests into Web ones; no Hono app is involved.
const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "127.0.0.1";
serve(
  {
    fetch: (request) =>
      new URL(request.url).pathname === "/beam" ? handleCallback(request) : new Response("Not found", { status: 404 }),
    port,
    hostname,
  },
  (info) => console.log(`listening on http://${hostname}:${info.port}/beam`),
);
