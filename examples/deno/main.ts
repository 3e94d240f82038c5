import { createCallbackHandler } from "@taskhook/fetch";

const handleCallback = createCallbackHandler({
  secret: Deno.env.get("TASKHOOK_SECRET")!,
  onCallback: ({ taskId, status, data }) => console.log(`callback ${taskId} ${status} ${JSON.stringify(data)}`),
});

const hostname = Deno.env.get("HOST") ?? "127.0.0.1";
const port = Number(Deno.env.get("PORT") ?? 3000);
Deno.serve(
  { hostname, port, onListen: ({ port }) => console.log(`listening on http://${hostname}:${port}/beam`) },
  (request) =>
    new URL(request.url).pathname === "/beam" ? handleCallback(request) : new Response("Not found", { status: 404 }),
);
