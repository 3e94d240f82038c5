// What an application imports: the verifier, its errors, Beam's statuses, the idempotency
// store and the test kit. Building blocks for adapter authors are in ./adapter.ts.

export type {
  AnyTaskCallback,
  BeamData,
  CallbackOf,
  CallbackStatus,
  EmptyData,
  InferCallback,
  InferData,
  SchemaOption,
  StatusSchemas,
  TaskCallback,
} from "./callback.js";
export {
  type CallbackVerdict,
  type Diagnosis,
  type DiagnosisEntry,
  type DiagnosisReason,
  diagnoseCallback,
} from "./diagnose.js";
export {
  errorStatus,
  isTaskCallbackError,
  TaskCallbackError,
  type TaskCallbackErrorCode,
} from "./errors.js";
export { type IdempotencyStore, type MemoryStoreOptions, memoryStore } from "./idempotency.js";
export type { LargeIntegers } from "./json-integers.js";
export type { RejectionInfo, RejectionListener } from "./refusals.js";
export { keyFingerprint } from "./secret-check.js";
export {
  type DeliverCallbackOptions,
  type DeliveryOptions,
  type DeliveryResult,
  deliverCallback,
  type SendAttempt,
  type SendCallbackOptions,
  type SendResult,
  sendCallback,
} from "./send.js";
export { createTestCallback, signCallback } from "./sign.js";
export { isFailureStatus, isKnownStatus, isSuccessStatus, type TaskStatus, taskStatuses } from "./status.js";
export { type CallbackInput, createVerifier, type Verifier, type VerifierOptions, verifyCallback } from "./verify.js";
