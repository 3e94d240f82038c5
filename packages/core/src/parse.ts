import type { StandardSchemaV1 } from "@standard-schema/spec";
import { decodeUtf8 } from "./crypto/web.js";
import { TaskCallbackError } from "./errors.js";
import { type LargeIntegers, parseJson } from "./json-integers.js";

const invalid = (message: string, cause?: unknown) =>
  new TaskCallbackError("INVALID_BODY", message, cause === undefined ? undefined : { cause });

/**
 * Deepest nesting accepted in `data`. Beam serializes with Python's `json.dumps`, which stops
 * at the interpreter's recursion limit (1,000), so nothing deeper comes from Beam; deeper data
 * would only crash handlers that walk it recursively.
 */
export const MAX_DATA_DEPTH = 1000;

/**
 * Extracts `data` from a verified body: a JSON object's `data` field or, for a body that is not
 * JSON and is sent as a form, its `data` field (JSON-decoded when it is JSON text).
 * `JSON.parse` keeps a `__proto__` key as an own, plain property, so payloads cannot reach any
 * prototype. `largeIntegers` says what integers beyond 2^53 become (see {@link parseJson}).
 */
export function parseData(
  bytes: Uint8Array,
  contentType: string | undefined,
  largeIntegers: LargeIntegers = "number",
): unknown {
  const data = extractData(bytes, contentType, largeIntegers);
  // Each level takes an opening and a closing bracket, and no decoding makes text longer
  // than its bytes, so a shorter body cannot nest that deep and needs no walk.
  if (bytes.length > 2 * MAX_DATA_DEPTH && !fewOpeners(bytes, MAX_DATA_DEPTH) && deeperThan(data, MAX_DATA_DEPTH)) {
    throw invalid(`The callback data is nested deeper than ${MAX_DATA_DEPTH} levels, which Beam never sends.`);
  }
  return data;
}

function extractData(bytes: Uint8Array, contentType: string | undefined, largeIntegers: LargeIntegers): unknown {
  if (bytes.length === 0) throw invalid("The body is empty; Beam sends a JSON object with a `data` field.");
  let text: string;
  try {
    text = decodeUtf8(bytes);
  } catch (error) {
    throw invalid("The body is not valid UTF-8.", error);
  }
  // The signature covers the bytes, not Content-Type, so a body that is JSON is read as JSON
  // whatever Content-Type says. Otherwise a replay relabelled as a form would turn a string
  // inside the signed JSON ("...&data=...") into `data`.
  let payload: unknown;
  let jsonError: unknown;
  try {
    // The default stays a plain JSON.parse: the exact reader only runs when asked for.
    payload = largeIntegers === "number" ? JSON.parse(text) : parseJson(text, largeIntegers);
  } catch (error) {
    jsonError = error;
  }
  if (jsonError === undefined) {
    if (isDataObject(payload)) return payload.data;
    throw invalid('The body must be a JSON object with a `data` field, like {"data": {...}}.');
  }
  if (isForm(contentType)) {
    const values = new URLSearchParams(text).getAll("data");
    if (values.length !== 1) {
      throw invalid(
        values.length === 0 ? "The form body has no `data` field." : "The form body has more than one `data` field.",
      );
    }
    const value = values[0] as string;
    try {
      return parseJson(value, largeIntegers);
    } catch {
      return value;
    }
  }
  throw invalid(`The body is not valid JSON (${(jsonError as Error).message}).`, jsonError);
}

// "[", "{" and "%" (a form's data may hold "%5B"): data cannot nest deeper than the body has of them.
const openers = [0x5b, 0x7b, 0x25];

/**
 * True when the body holds at most `limit` bytes that could open a level. Most callbacks have a
 * handful (a large body is mostly one base64 string or one array of numbers), and native
 * `indexOf` finds them far faster than walking the parsed data (a 64 KiB embedding: 5x).
 */
function fewOpeners(bytes: Uint8Array, limit: number): boolean {
  let count = 0;
  for (const opener of openers) {
    for (let at = bytes.indexOf(opener); at !== -1; at = bytes.indexOf(opener, at + 1)) {
      if (++count > limit) return false;
    }
  }
  return true;
}

/** Walks containers with an explicit stack, so hostile nesting cannot overflow the call stack. */
export function deeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (depth > limit) return true;
    // Arrays by index: for-in would make a string key per element, which cost half as much
    // as JSON.parse itself on a large embedding.
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const child: unknown = node[i];
        if (typeof child === "object" && child !== null) {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    for (const key in node) {
      const child = node[key];
      if (typeof child === "object" && child !== null) {
        nodes.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

function isDataObject(payload: unknown): payload is { data: unknown } {
  return typeof payload === "object" && payload !== null && !Array.isArray(payload) && Object.hasOwn(payload, "data");
}

function isForm(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(";");
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return type === "application/x-www-form-urlencoded";
}

/** Runs a Standard Schema over `data`, turning its issues into one readable INVALID_BODY. */
export async function validateData<S extends StandardSchemaV1>(
  schema: S,
  data: unknown,
): Promise<StandardSchemaV1.InferOutput<S>> {
  let result: StandardSchemaV1.Result<unknown>;
  try {
    result = await schema["~standard"].validate(data);
  } catch (error) {
    // A schema that throws (a stack overflow on hostile nesting, a bug) still gets a typed answer.
    throw invalid("The callback data could not be validated: the schema threw.", error);
  }
  if (result.issues === undefined) return result.value as StandardSchemaV1.InferOutput<S>;
  const shown = result.issues.slice(0, 5).map((issue) => {
    const path = (issue.path ?? []).map((part) => String(typeof part === "object" ? part.key : part)).join(".");
    return path === "" ? issue.message : `data.${path}: ${issue.message}`;
  });
  const more = result.issues.length > 5 ? ` (and ${result.issues.length - 5} more)` : "";
  throw invalid(`The callback data does not match the schema: ${shown.join("; ")}${more}.`);
}
