import type { StandardSchemaV1 } from "@standard-schema/spec";
import { beamFormats } from "./beam.js";
import type { KnownTaskStatus } from "./status.js";

/** `{}`: what Beam sends as `data` for a task that ended without a result. */
export type EmptyData = { [key: string]: never };

/**
 * What Beam's sender puts in `data` for the statuses other than COMPLETE, per runner
 * (functions, task queues, endpoints). Not validated: a schema for that status replaces it.
 */
export interface BeamData {
  /** `{"error": "<message or traceback>"}` from functions and endpoints, `{}` from task queues. */
  ERROR: { error: string } | EmptyData;
  /** `{}` from functions and task queues, `null` from endpoints. */
  CANCELLED: EmptyData | null;
  /** `{}` from functions and task queues, `null` from endpoints. */
  TIMEOUT: EmptyData | null;
}

/** The statuses Beam's sender calls back with. */
export type CallbackStatus = "COMPLETE" | keyof BeamData;

/** The fields every verified callback has; `status` tells what `data` holds. */
export interface CallbackOf<Status extends string, Data> {
  /** The task id from `X-Task-ID`. Not covered by Beam's signature. */
  taskId: string;
  /** The task status from `X-Task-Status`. Not covered by Beam's signature. */
  status: Status;
  /** Unix seconds at which Beam signed the callback. */
  timestamp: number;
  /** The task's return value: the body's `data` field. */
  data: Data;
  /** The raw body bytes the signature covers. */
  body: Uint8Array;
  /** The lower-case hex signature that matched. */
  signature: string;
  /** Index in `secret` of the key that matched (0 for a single key). */
  secretIndex: number;
  /**
   * `"callback"`: Beam sent it and the signature matched. Results that `@taskhook/reconcile`
   * recovers from Beam's API carry `"reconciled"` instead (and no signature fields).
   */
  source?: "callback";
}

/**
 * A verified Beam task callback, discriminated by `status`: `if (callback.status === "COMPLETE")`
 * narrows `data` to `T` (your schema's output), ERROR, CANCELLED and TIMEOUT carry Beam's shapes
 * ({@link BeamData}, or `D` when a schema map validates them), and any other status has
 * `data: unknown`. A status this version does not know yet (Beam may add one) arrives in that
 * last group at run time, so handle it in a `default:` branch rather than asserting exhaustiveness.
 *
 * @example
 * ```ts
 * function save(callback: TaskCallback<{ result: number }>) {
 *   if (callback.status === "COMPLETE") return saveResult(callback.taskId, callback.data.result);
 *   if (callback.status === "ERROR") return markFailed(callback.taskId, callback.data.error);
 * }
 * ```
 */
export type TaskCallback<T = unknown, D extends Record<keyof BeamData, unknown> = BeamData> =
  | CallbackOf<"COMPLETE", T>
  | CallbackOf<"ERROR", D["ERROR"]>
  | CallbackOf<"CANCELLED", D["CANCELLED"]>
  | CallbackOf<"TIMEOUT", D["TIMEOUT"]>
  | CallbackOf<Exclude<KnownTaskStatus, CallbackStatus>, unknown>;

/** Schemas per status, e.g. `{ COMPLETE: resultSchema, ERROR: errorSchema }`; other statuses are not validated. */
export type StatusSchemas = { readonly [status: string]: StandardSchemaV1 };

/**
 * The `schema` option: one Standard Schema, which validates COMPLETE callbacks only (the other
 * statuses carry Beam's own shapes), or a {@link StatusSchemas} map.
 */
export type SchemaOption = StandardSchemaV1 | StatusSchemas;

type OutputOf<M, K extends string, Fallback> = M extends { readonly [P in K]: infer S extends StandardSchemaV1 }
  ? StandardSchemaV1.InferOutput<S>
  : Fallback;

/** The COMPLETE data type a `schema` option yields: its output, or `unknown` without a schema. */
export type InferData<S> = S extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<S>
  : S extends StatusSchemas
    ? OutputOf<S, "COMPLETE", unknown>
    : unknown;

/** Any verified callback, whatever its data types: what code that only passes callbacks on accepts. */
export type AnyTaskCallback = CallbackOf<string, unknown>;

/** The callback type a `schema` option yields (see {@link TaskCallback}). */
export type InferCallback<S> = S extends StandardSchemaV1
  ? TaskCallback<StandardSchemaV1.InferOutput<S>>
  : S extends StatusSchemas
    ? TaskCallback<
        OutputOf<S, "COMPLETE", unknown>,
        {
          ERROR: OutputOf<S, "ERROR", BeamData["ERROR"]>;
          CANCELLED: OutputOf<S, "CANCELLED", BeamData["CANCELLED"]>;
          TIMEOUT: OutputOf<S, "TIMEOUT", BeamData["TIMEOUT"]>;
        }
      >
    : TaskCallback;

/** Which schema validates a callback of each status, checked once when the verifier is built. */
export function schemaResolver(option: SchemaOption | undefined): (status: string) => StandardSchemaV1 | undefined {
  if (option === undefined) return () => undefined;
  if (isSchema(option)) return (status) => (status === "COMPLETE" ? option : undefined);
  if (typeof option !== "object" || option === null) throw badOption("a Standard Schema or a map of them");
  for (const [status, schema] of Object.entries(option)) {
    if (!beamFormats.status.test(status)) throw badOption(`keys that are statuses such as COMPLETE, not "${status}"`);
    if (!isSchema(schema)) throw badOption(`a Standard Schema for ${status}`);
  }
  return (status) => (Object.hasOwn(option, status) ? option[status] : undefined);
}

function isSchema(value: unknown): value is StandardSchemaV1 {
  // arktype's schemas are functions.
  return (typeof value === "object" || typeof value === "function") && value !== null && "~standard" in value;
}

function badOption(expected: string): TypeError {
  return new TypeError(
    `taskhook: \`schema\` must be ${expected}: one schema validates COMPLETE callbacks, a map like { COMPLETE: schema, ERROR: schema } validates each status.`,
  );
}
