import type { AddressInfo } from "node:net";
import { taskCallback } from "@taskhook/express";
import express from "express";

const secret = process.env.TASKHOOK_SECRET;
if (!secret) {
  console.error("Set TASKHOOK_SECRET to your Beam signing key (sk_...).");
  process.exit(1);
}

const app = express();

// No express.json() in front: the middleware reads the raw bytes itself, since the signature covers them.
// A handler that throws is answered 500 HANDLER_FAILED JSON, so Beam retries.
app.post(
  "/beam",
  taskCallback({ secret }, (req, res) => {
    const { taskId, status, data } = req.taskCallback;
    console.log(`callback ${taskId} ${status} ${JSON.stringify(data)}`);
    res.json({ received: true });
  }),
);

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
const server = app.listen(port, host, () => {
  console.log(`listening on http://${host}:${(server.address() as AddressInfo).port}/beam`);
});
