import { mkdirSync, writeFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll } from "vitest";
import * as adapter from "../src/adapter.js";
import type { TaskCallback } from "../src/index.js";
import * as root from "../src/index.js";

// The fuzz harness that test/property.test.ts and `pnpm --filter @taskhook/core fuzz`
// (scripts/fuzz.mjs) share. In CI the properties check the source (a few thousand runs per
// crypto seam) and fail on the first counterexample, shrunk. The fuzz script runs the same test
// file with TASKHOOK_FUZZ_TARGET=dist, TASKHOOK_FUZZ_RUNS and TASKHOOK_FUZZ_REPORT: the
// properties then check the built files, every violation is counted instead of thrown, and
// the totals are written to TASKHOOK_FUZZ_REPORT/<seam>.json for the script to print.
const env = process.env;
export const counting = env.TASKHOOK_FUZZ_REPORT !== undefined;
export const seam = env.TASKHOOK_SEAM === "node-crypto" ? "node" : "web";
const distFiles = seam === "node" ? ["dist/node.js", "dist/node-adapter.js"] : ["dist/index.js", "dist/adapter.js"];
const fromDist = (file: string) => import(/* @vite-ignore */ new URL(`../${file}`, import.meta.url).href);
export const core: typeof root & typeof adapter =
  env.TASKHOOK_FUZZ_TARGET === "dist"
    ? Object.assign({}, ...(await Promise.all(distFiles.map(fromDist))))
    : { ...root, ...adapter };

/** CI runs per property; TASKHOOK_FUZZ_RUNS shares a total out in the same proportions. */
export const ciRuns = { roundTrip: 900, tamper: 1200, garbageVerify: 900, garbageProcess: 400, relabel: 300 } as const;
const ciTotal = Object.values(ciRuns).reduce((a, b) => a + b, 0);
const totalRuns = Number(env.TASKHOOK_FUZZ_RUNS) || 0;
export const runsOf = (name: keyof typeof ciRuns) =>
  totalRuns > 0 ? Math.ceil((totalRuns * ciRuns[name]) / ciTotal) : ciRuns[name];
const seed = env.TASKHOOK_FUZZ_SEED === undefined ? undefined : Number(env.TASKHOOK_FUZZ_SEED);
export const timeout = counting ? 24 * 3600_000 : 60_000;
/** What the properties check: the source under one seam, or the built files. */
export const targetName = env.TASKHOOK_FUZZ_TARGET === "dist" ? distFiles.join(" + ") : `src, ${seam} seam`;

// ---------------------------------------------------------------------------------------------
// Bookkeeping: what went wrong, counted in the long run, thrown (and shrunk) in CI.

export type Kind = "forgeries" | "untyped" | "prototype" | "wrong";
export const tally = { runs: 0, forgeries: 0, untyped: 0, prototype: 0, wrong: 0 };
const examples: string[] = [];
const seeds: Record<string, number> = {};
/** How each property's cases ended, so the long run shows which paths it reached. */
const outcomes: Record<string, Record<string, number>> = {};
export function note(property: string, result: string): void {
  outcomes[property] ??= {};
  outcomes[property][result] = (outcomes[property][result] ?? 0) + 1;
}

export function violation(kind: Kind, detail: string): void {
  tally[kind]++;
  if (!counting) throw new Error(`${kind}: ${detail}`);
  if (examples.length < 20) examples.push(`${kind}: ${detail.slice(0, 2000)}`);
}

export const show = (value: unknown) => fc.stringify(value).slice(0, 300);

type Snapshot = [PropertyKey, PropertyDescriptor][];
const snapshotPrototype = (): Snapshot =>
  Reflect.ownKeys(Object.prototype).map((key) => [key, Object.getOwnPropertyDescriptor(Object.prototype, key)!]);
const pristine = snapshotPrototype();

/** Runs `fn`, then checks that Object.prototype is exactly as it was (and puts it back if not). */
export async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  tally.runs++;
  try {
    return await fn();
  } finally {
    const now = snapshotPrototype();
    const same =
      now.length === pristine.length &&
      now.every(([key, d], i) => {
        const [k, p] = pristine[i]!;
        return (
          key === k &&
          d.value === p.value &&
          d.get === p.get &&
          d.set === p.set &&
          d.writable === p.writable &&
          d.enumerable === p.enumerable &&
          d.configurable === p.configurable
        );
      });
    if (!same || ({} as Record<string, unknown>).polluted !== undefined) {
      for (const [key] of now) if (!pristine.some(([k]) => k === key)) Reflect.deleteProperty(Object.prototype, key);
      for (const [key, d] of pristine) Object.defineProperty(Object.prototype, key, d);
      violation("prototype", `Object.prototype changed: ${now.map(([k]) => String(k)).join(", ")}`);
    }
  }
}

export type Outcome = { accepted: TaskCallback } | { code: string };

/** Verifies and classifies: accepted, a typed rejection, or (a violation) anything else. */
export async function attempt(
  property: string,
  verifier: root.Verifier,
  input: root.CallbackInput,
  context: () => string,
): Promise<Outcome | undefined> {
  try {
    const accepted = await verifier.verify(input);
    note(property, "accepted");
    return { accepted };
  } catch (error) {
    if (isTyped(error)) {
      note(property, error.code);
      return { code: error.code };
    }
    note(property, "untyped");
    violation("untyped", `${describeError(error)} for ${context()}`);
    return undefined;
  }
}

export function isTyped(error: unknown): error is root.TaskCallbackError {
  return (
    core.isTaskCallbackError(error) &&
    error instanceof Error &&
    error.name === "TaskCallbackError" &&
    error.status === core.errorStatus[error.code] &&
    typeof error.message === "string"
  );
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `thrown ${show(error)}`;
}

/** fast-check's seed for a property: random (and recorded) in the long run, or TASKHOOK_FUZZ_SEED. */
export function seedOf(name: string): { seed?: number } {
  if (!counting && seed === undefined) return {};
  const value = seed ?? (Math.random() * 2 ** 31) | 0;
  seeds[name] = value;
  return { seed: value };
}

/** In the long run, writes the totals for scripts/fuzz.mjs once the properties are done. */
export function reportWhenCounting(): void {
  afterAll(() => {
    if (!counting) return;
    const dir = env.TASKHOOK_FUZZ_REPORT!;
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      `${dir}/${seam}.json`,
      JSON.stringify({ target: targetName, ...tally, seeds, outcomes, examples }, null, 2),
    );
  });
}
