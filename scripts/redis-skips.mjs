// `pnpm test` runs this before the packages' tests (`reset`) and after them (`report`): the
// report is the one line saying how many Redis tests were skipped and how to run them.
import { recordedSkips, resetSkips, skipLine } from "../test-support/redis.mjs";

if (process.argv[2] === "reset") {
  resetSkips();
} else {
  const count = recordedSkips();
  if (count > 0) console.log(skipLine(count));
}
