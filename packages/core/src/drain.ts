/** What {@link discardUnreadBody} needs of a Node `IncomingMessage`. */
export interface NodeRequestLike {
  readableEnded: boolean;
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  once(event: "end", listener: () => void): unknown;
  socket: { destroy(): void } | null;
}

/**
 * For Node servers, after answering before the body was read (413, 408, an early 401): drops
 * what the client still sends, so a client that writes its whole body before reading still
 * gets the answer instead of a reset, then closes the connection past `maxBytes` or `maxMs`.
 * Imports nothing, so the Web build stays free of Node built-ins.
 *
 * @example
 * ```ts
 * res.writeHead(result.status, result.headers).end(result.body);
 * discardUnreadBody(req);
 * ```
 */
export function discardUnreadBody(req: NodeRequestLike, maxBytes = 64 * 1024 * 1024, maxMs = 1000): void {
  if (req.readableEnded) return;
  let budget = maxBytes;
  const stop = () => req.socket?.destroy();
  const timer = setTimeout(stop, maxMs);
  (timer as { unref?: () => void }).unref?.();
  req.once("end", () => clearTimeout(timer));
  req.on("data", (chunk) => {
    budget -= chunk.length;
    if (budget < 0) stop();
  });
}
