import { seam } from "./crypto/web.js";

const warned = new Set<string>();

/**
 * What is wrong with a configured signing key, as sentences; empty when it looks like a Beam
 * key. Beam's keys start with `sk_` and carry no whitespace.
 *
 * @example
 * ```ts
 * checkSecret("sk_abc\n"); // ["the signing key has whitespace around it ..."]
 * ```
 */
export function checkSecret(secret: string, name = "the signing key"): string[] {
  const problems: string[] = [];
  if (secret.trim() !== secret) {
    problems.push(
      `${name} has whitespace around it (often a newline from a secrets manager or a file); Beam signs with the key without it, so trim it`,
    );
  }
  if (!secret.trim().startsWith("sk_")) {
    problems.push(
      `${name} does not start with sk_ as every Beam signing key does; copy it from Beam's dashboard (Settings -> General), sk_ included (ignore this for a test key)`,
    );
  }
  return problems;
}

/** Warns once per process about each configured key that does not look like a Beam key. */
export function warnAboutSecrets(secrets: readonly string[], warn: (line: string) => void = console.warn): void {
  secrets.forEach((secret, i) => {
    if (warned.has(secret)) return;
    const problems = checkSecret(secret, secrets.length === 1 ? "the signing key" : `signing key #${i + 1}`);
    if (problems.length === 0) return;
    warned.add(secret);
    for (const problem of problems) warn(`taskhook: ${problem}.`);
  });
}

/**
 * A short fingerprint of a signing key (8 hex characters of its SHA-256), to compare the keys
 * two processes use without printing either.
 *
 * @example
 * ```ts
 * console.log(`signing key ${await keyFingerprint(process.env.BEAM_SIGNING_KEY!)}`); // "signing key 3f2a9c1b"
 * ```
 */
export async function keyFingerprint(secret: string): Promise<string> {
  return (await seam.sha256Hex(secret)).slice(0, 8);
}
