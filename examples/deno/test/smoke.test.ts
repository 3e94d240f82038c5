import { missingRuntime } from "../../runtime.mjs";
import { defineSmokeTest } from "../../smoke.js";

defineSmokeTest(import.meta.url, { runtime: missingRuntime("deno") });
