import { missingRuntime } from "../../runtime.mjs";
import { defineSmokeTest } from "../../smoke.js";
import { resetsLargeUploads } from "../workerd.mjs";

defineSmokeTest(import.meta.url, {
  runtime: missingRuntime("workerd"),
  resetsLargeUploads,
});
