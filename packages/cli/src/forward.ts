import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { beamSender, headerNames, readHeader } from "@taskhook/core/adapter";

// Beam gives up on an answer after this; a relay answered later would be lost anyway.
const forwardTimeoutMs = beamSender.readTimeoutMs;
const forwardBodyLimit = 1024 * 1024;

/** What the relay target answered, or why it could not be reached. */
export interface Forwarded {
  status?: number;
  contentType?: string;
  body?: Buffer;
  error?: string;
}

/**
 * The headers relayed: the four `X-Task-*` as received, `Content-Type` and the body's length.
 * Nothing else the sender added (`Authorization`, `Cookie`, `X-Forwarded-*`...) reaches the
 * target, and no `Connection:` list can remove one of these.
 */
export function relayHeaders(received: IncomingHttpHeaders, body: Uint8Array): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of [...Object.values(headerNames), "Content-Type"]) {
    const value = readHeader(received, name);
    if (value !== undefined) headers[name] = value;
  }
  headers["Content-Length"] = String(body.byteLength);
  return headers;
}

/**
 * A URL as `taskhook listen` prints it and tells senders: credentials and query replaced by
 * `***`, so a key in the target URL never reaches the terminal or the sender.
 *
 * @example
 * ```ts
 * shownUrl(new URL("https://me:pw@app.test/beam?key=1")); // "https://***@app.test/beam?***"
 * ```
 */
export function shownUrl(url: URL): string {
  const credentials = url.username !== "" || url.password !== "" ? "***@" : "";
  return `${url.protocol}//${credentials}${url.host}${url.pathname}${url.search === "" ? "" : "?***"}`;
}

/** Relays the verified bytes with {@link relayHeaders} and collects the target's answer. */
export function forward(target: URL, received: IncomingHttpHeaders, body: Uint8Array): Promise<Forwarded> {
  const headers = relayHeaders(received, body);
  const request = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(target, { method: "POST", headers, timeout: forwardTimeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= forwardBodyLimit) chunks.push(chunk);
      });
      res.on("end", () => {
        const forwarded: Forwarded = { status: res.statusCode ?? 502, body: Buffer.concat(chunks) };
        const contentType = res.headers["content-type"];
        if (contentType !== undefined) forwarded.contentType = contentType;
        resolve(forwarded);
      });
      res.on("error", (error) => resolve({ error: error.message }));
    });
    req.on("timeout", () => req.destroy(new Error(`no response within ${forwardTimeoutMs / 1000} s`)));
    req.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(body);
  });
}
