import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** One entry of `callback-signatures.json`. */
export interface Vector {
  name: string;
  secret: string;
  secrets?: string[];
  timestamp: number;
  task_id: string;
  status: string;
  content_type: string;
  body_base64: string;
  body_utf8: string;
  signature: string;
  expect: "valid" | "invalid_signature" | "invalid_body" | "rejected";
  data?: unknown;
  /**
   * `false` when no JavaScript value serializes back to the body (Python's `1.0`, integers past
   * 2^53, integer-like key order): compare `data`, but reproduce the body only from its text.
   */
  data_roundtrip?: boolean;
  /** What the vector covers. */
  note?: string;
}

/** The vectors file: keys and vectors from an independent implementation of Beam's sender. */
export interface VectorFile {
  keys: string[];
  vectors: Vector[];
}

/** The copy of the shared vectors this package ships, kept byte-identical by a test. */
export const packagedVectorsPath = fileURLToPath(new URL("../vectors/callback-signatures.json", import.meta.url));

/** Reads the vectors from `path`, else `$TASKHOOK_VECTORS`, else the packaged copy. */
export function loadVectors(path?: string): VectorFile {
  const file = path ?? process.env.TASKHOOK_VECTORS ?? packagedVectorsPath;
  return JSON.parse(readFileSync(file, "utf8")) as VectorFile;
}

/** The request a vector describes: its headers and its exact body bytes. */
export function vectorRequest(vector: Vector): { headers: Record<string, string>; body: Uint8Array } {
  return {
    headers: {
      "content-type": vector.content_type,
      "x-task-id": vector.task_id,
      "x-task-status": vector.status,
      "x-task-timestamp": String(vector.timestamp),
      "x-task-signature": vector.signature,
    },
    body: Buffer.from(vector.body_base64, "base64"),
  };
}
