export {
  type ConformanceTarget,
  expectAccepted,
  expectError,
  type NonPostRule,
  type RouteAnswer,
  type ServerSetup,
  type SignedRequest,
  type SignInit,
  type StartOptions,
  type SuiteContext,
  type TestServer,
} from "./context.js";
export {
  type RunningServer,
  type SendRequest,
  type SendResponse,
  send,
  sendPipelined,
  startHttpServer,
  type UploadResult,
  uploadUntilAnswered,
} from "./http.js";
export { defineConformanceSuite } from "./suite.js";
export { loadVectors, packagedVectorsPath, type Vector, type VectorFile, vectorRequest } from "./vector-file.js";
