import { defineSmokeTest } from "../../smoke.js";

defineSmokeTest(import.meta.url);
