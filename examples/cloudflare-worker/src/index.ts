import { createCallbackHandler } from "@taskhook/fetch";

interface Env {
  /** Set with `wrangler secret put TASKHOOK_SECRET`. */
  TASKHOOK_SECRET: string;
}

// The key arrives with the first request, so the handler is made then and kept for the isolate's life.
let handleCallback: ((request: Request) => Promise<Response>) | undefined;

export default {
  fetch(request, env) {
    handleCallback ??= createCallbackHandler({
      secret: env.TASKHOOK_SECRET,
      onCallback: ({ taskId, status, data }) => console.log(`callback ${taskId} ${status} ${JSON.stringify(data)}`),
    });
    return handleCallback(request);
  },
} satisfies ExportedHandler<Env>;
