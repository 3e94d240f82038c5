// Interim demo until the adapters land: sign a callback exactly as Beam would, verify it,
// and show that a tampered copy, a stale one and a wrong key are refused.
import { createTestCallback, createVerifier } from "@taskhook/core";

const secret = "sk_demo_signing_key";
const callback = await createTestCallback({ data: { result: 10, caption: "café" }, secret });
const verifier = createVerifier({ secret });

const cases = [
  ["valid", callback.headers, callback.body],
  ["tampered body", callback.headers, callback.body.replace("10", "11")],
  [
    "stale",
    (await createTestCallback({ data: 1, secret, timestamp: callback.timestamp - 3600 })).headers,
    callback.body,
  ],
  [
    "wrong key",
    (await createTestCallback({ data: { result: 10, caption: "café" }, secret: "sk_other" })).headers,
    callback.body,
  ],
];
let ok = true;
for (const [name, headers, body] of cases) {
  const outcome = await verifier.verify({ headers, body }).then(
    (cb) => `accepted  data=${JSON.stringify(cb.data)}`,
    (error) => `rejected  ${error.code} (${error.status})`,
  );
  ok &&= (name === "valid") === outcome.startsWith("accepted");
  console.log(`${name.padEnd(14)} ${outcome}`);
}
process.exit(ok ? 0 : 1);
