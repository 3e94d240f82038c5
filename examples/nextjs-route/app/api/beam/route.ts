import { createCallbackHandler } from "@taskhook/fetch";

// `next build` loads this module, so TASKHOOK_SECRET must be set where the app is built too.
export const POST = createCallbackHandler({
  secret: process.env.TASKHOOK_SECRET!,
  onCallback: ({ taskId, status, data }) => {
    console.log(`callback ${taskId} ${status} ${JSON.stringify(data)}`);
  },
});
