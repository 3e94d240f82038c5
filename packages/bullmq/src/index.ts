export {
  type CallbackHandoffOptions,
  createCallbackHandoff,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF,
  DEFAULT_TIMEOUT_MS,
} from "./handoff.js";
export { type CallbackJobData, callbackJobId, minimumKeepSeconds } from "./job.js";
export { type CallbackWorkerOptions, createCallbackWorker, createJobVerifier } from "./worker.js";
