import { createCallbackHandler } from "@taskhook/fetch";

const handleCallback = createCallbackHandler({
  secret: Bun.env.TASKHOOK_SECRET!,
  onCallback: ({ taskId, status, data }) => console.log(`callback ${taskId} ${status} ${JSON.stringify(data)}`),
});

const server = Bun.serve({
  hostname: Bun.env.HOST ?? "127.0.0.1",
  port: Number(Bun.env.PORT ?? 3000),
  routes: { "/beam": { POST: handleCallback } },
});
console.log(`listening on ${server.url}beam`);
