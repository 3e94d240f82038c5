import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

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
  /** `false` when no JavaScript value serializes back to the body (Python's `1.0`, integers past 2^53). */
  data_roundtrip?: boolean;
}

/**
 * The independent vectors, read as they are (never regenerated here), from the repository's one
 * copy: the file `@taskhook/conformance` ships. Core cannot depend on conformance (conformance
 * depends on core), so its tests read the file by its place in the repository.
 */
export const vectorsPath =
  process.env.TASKHOOK_VECTORS ??
  fileURLToPath(new URL("../../conformance/vectors/callback-signatures.json", import.meta.url));

export const vectorFile = JSON.parse(readFileSync(vectorsPath, "utf8")) as { vectors: Vector[]; keys: string[] };
export const vectors = vectorFile.vectors;

/** The request a vector describes, with its timestamp or signature header changed if asked. */
export function vectorRequest(vector: Vector, changes: { timestamp?: string; signature?: string } = {}) {
  return {
    headers: {
      "content-type": vector.content_type,
      "x-task-id": vector.task_id,
      "x-task-status": vector.status,
      "x-task-timestamp": changes.timestamp ?? String(vector.timestamp),
      "x-task-signature": changes.signature ?? vector.signature,
    },
    body: Uint8Array.from(atob(vector.body_base64), (c) => c.charCodeAt(0)),
  };
}

/** The vector called `name`. */
export function vectorNamed(name: string): Vector {
  const vector = vectors.find((v) => v.name === name);
  if (vector === undefined) throw new Error(`no vector named ${name}`);
  return vector;
}

export function vectorOptions(vector: Vector) {
  return { secret: vector.secrets ?? vector.secret, now: () => vector.timestamp * 1000 };
}
