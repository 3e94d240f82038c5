import { defineConformanceSuite } from "@taskhook/conformance";
import Fastify from "fastify";
import { taskCallback } from "../src/index.js";

async function listen(app: ReturnType<typeof Fastify>) {
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  return { url: `${address}/beam`, close: () => app.close() };
}

defineConformanceSuite({
  name: "fastify (onCallback)",
  nonPost: "405",
  ownsConnection: true,
  start: (options) => listen(Fastify().register(taskCallback, { ...options, path: "/beam" })),
});

defineConformanceSuite({
  name: "fastify (handler)",
  nonPost: "405",
  ownsConnection: true,
  mode: "middleware",
  start: ({ onCallback, ...options }) =>
    listen(
      Fastify().register(taskCallback, {
        ...options,
        path: "/beam",
        handler: async (request, reply) => {
          const { status, body } = await onCallback(request.taskCallback);
          return reply.code(status).send(body);
        },
      }),
    ),
});
