export {
  BeamApiError,
  type BeamApiErrorCode,
  type BeamApiOptions,
  type BeamTaskApi,
  createBeamTaskApi,
  DEFAULT_API_URL,
  isBeamApiError,
  type TaskListQuery,
} from "./api.js";
export {
  CallbackNotConfirmedError,
  type ConfirmationErrorCode,
  confirmed,
  createCallbackConfirmer,
} from "./confirm.js";
export { type Duration, parseDuration } from "./duration.js";
export {
  type AnyTaskCallback,
  createReconciler,
  type MissingTask,
  type ReconciledCallback,
  type ReconcileReport,
  type Reconciler,
  type ReconcilerOptions,
  type TaskOutcome,
} from "./reconciler.js";
export {
  type BeamTask,
  type BeamTaskOutput,
  explainMissingCallback,
  type FinalStatus,
  finalStatuses,
} from "./task.js";
