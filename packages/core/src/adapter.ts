// `@taskhook/core/adapter`: the building blocks of a framework adapter or a store, for their
// authors. Applications import from `@taskhook/core`; adapters re-export what their users need.
export type { StandardSchemaV1 } from "@standard-schema/spec";
export { beamFormats, beamSender, failureStatuses, headerNames, isRetriedStatus } from "./beam.js";
export {
  type BodySource,
  DEFAULT_BODY_TIMEOUT_MS,
  nodeRequestBody,
  type ReadBodyOptions,
  type RequestLike,
  readBody,
} from "./body.js";
export { DEFAULT_MAX_BODY_BYTES_IN_FLIGHT } from "./body-budget.js";
export { type DiagnoseOptions, diagnoseRefusal, isDiagnosable, MAX_DIAGNOSIS_HMACS } from "./diagnose.js";
export { discardUnreadBody, type NodeRequestLike } from "./drain.js";
export type { ErrorBody } from "./errors.js";
export { type HeadersInput, readHeader } from "./headers.js";
export { type BeginResult, DEFAULT_MEMORY_STORE_MAX_ENTRIES } from "./idempotency.js";
export {
  type CallbackProcessor,
  type CallbackRequest,
  type CallbackResponse,
  createCallbackProcessor,
  type ProcessorOptions,
  type RunRoute,
} from "./process.js";
export { toPythonJson } from "./python-json.js";
export { createRefusalLog, describeRefusal } from "./refusals.js";
export { checkSecret } from "./secret-check.js";
export { DEFAULT_TASK_RECORD_TTL_MS, type TaskRecordKind, taskRecordKey } from "./task-record.js";
export { DEFAULT_MAX_BODY_BYTES, DEFAULT_TOLERANCE_SECONDS } from "./verify.js";
