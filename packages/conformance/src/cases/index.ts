import type { SuiteContext } from "../context.js";
import { beamSenderCases } from "./beam-sender.js";
import { beforeBodyCases } from "./before-body.js";
import { bodyCases } from "./body.js";
import { errorCases } from "./errors.js";
import { headerCases } from "./headers.js";
import { hostileCases } from "./hostile.js";
import { idempotencyCases } from "./idempotency.js";
import { methodCases } from "./methods.js";
import { refusalCases } from "./refusals.js";
import { routeCases } from "./route.js";
import { statusCases } from "./statuses.js";
import { vectorCases } from "./vectors.js";

/** Every group of cases, in the order they run. A new case file adds one line here. */
export const caseGroups: ReadonlyArray<(ctx: SuiteContext) => void> = [
  vectorCases,
  headerCases,
  bodyCases,
  beamSenderCases,
  beforeBodyCases,
  statusCases,
  errorCases,
  idempotencyCases,
  routeCases,
  methodCases,
  hostileCases,
  refusalCases,
];
