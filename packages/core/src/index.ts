export type { StandardSchemaV1 } from "@standard-schema/spec";
export {
  type BodySource,
  DEFAULT_BODY_TIMEOUT_MS,
  type ReadBodyOptions,
  type RequestLike,
  readBody,
} from "./body.js";
export { discardUnreadBody, type NodeRequestLike } from "./drain.js";
export {
  type ErrorBody,
  errorStatus,
  isTaskCallbackError,
  TaskCallbackError,
  type TaskCallbackErrorCode,
} from "./errors.js";
export { type HeadersInput, headerNames, readHeader } from "./headers.js";
export { type BeginResult, type IdempotencyStore, type MemoryStoreOptions, memoryStore } from "./idempotency.js";
export {
  type CallbackProcessor,
  type CallbackRequest,
  type CallbackResponse,
  createCallbackProcessor,
  type ProcessorOptions,
} from "./process.js";
export { type SendAttempt, type SendCallbackOptions, type SendResult, sendCallback } from "./send.js";
export {
  type CallbackHeaders,
  createTestCallback,
  type SignatureHeaders,
  signCallback,
  type TestCallback,
  toPythonJson,
} from "./sign.js";
export {
  isFailureStatus,
  isKnownStatus,
  isSuccessStatus,
  type KnownTaskStatus,
  type TaskStatus,
  taskStatuses,
} from "./status.js";
export {
  type CallbackInput,
  createVerifier,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_TOLERANCE_SECONDS,
  type InferData,
  type TaskCallback,
  type Verifier,
  type VerifierOptions,
  verifyCallback,
} from "./verify.js";
