import { taskCallback } from "@taskhook/fastify";
import Fastify from "fastify";

const secret = process.env.TASKHOOK_SECRET;
if (!secret) {
  console.error("Set TASKHOOK_SECRET to your Beam signing key (sk_...).");
  process.exit(1);
}

const app = Fastify();

// The plugin adds the POST route itself, reading the raw bytes the signature covers.
await app.register(taskCallback, {
  path: "/beam",
  secret,
  handler: (request) => {
    const { taskId, status, data } = request.taskCallback;
    console.log(`callback ${taskId} ${status} ${JSON.stringify(data)}`);
    return { received: true };
  },
});

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
const address = await app.listen({ port, host });
console.log(`listening on ${address}/beam`);
