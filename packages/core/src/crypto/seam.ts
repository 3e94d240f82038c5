/**
 * What differs between the Web and the Node build: this seam, plus the `decodeUtf8` that both
 * seam modules export (Node decodes large ASCII bodies natively). Everything else in core is
 * shared; the Node build swaps `./web` for `./node` at bundle time (see tsup.config.ts).
 */
export interface CryptoSeam {
  /** Which primitive this is, for diagnostics and tests. */
  readonly name: "web-crypto" | "node-crypto";
  /** Imports a signing key once, so a verifier reuses it for every request. */
  importKey(secret: string): Promise<unknown>;
  /** HMAC-SHA256 of `base64(body) + ":" + timestamp` with an imported key. */
  signPayload(key: unknown, body: Uint8Array, timestamp: string): Promise<Uint8Array>;
  /**
   * The same two steps without a promise, where the primitive is synchronous (node:crypto):
   * a verifier uses them so a request's verification takes no microtask turns. Web Crypto has
   * none, so the Web build leaves them out.
   */
  readonly sync?: {
    importKey(secret: string): unknown;
    signPayload(key: unknown, body: Uint8Array, timestamp: string): Uint8Array;
  };
  /** Lower-case hex SHA-256 of a UTF-8 string (idempotency keys). */
  sha256Hex(text: string): Promise<string>;
}
