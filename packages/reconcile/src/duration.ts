const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration: milliseconds, or text such as `"90s"`, `"5m"`, `"2h"`, `"1d"`, `"1h30m"`. */
export type Duration = number | string;

/**
 * Milliseconds in a {@link Duration}; throws a TypeError naming `option` for anything else.
 *
 * @example
 * ```ts
 * parseDuration("1h30m", "lookback"); // 5_400_000
 * ```
 */
export function parseDuration(value: Duration, option: string): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return value;
  } else if (typeof value === "string" && /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/.test(value.trim())) {
    let total = 0;
    for (const [, amount, unit] of value.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
      total += Number(amount) * (units[unit as string] as number);
    }
    return total;
  }
  throw new TypeError(
    `taskhook: \`${option}\` must be milliseconds or a duration such as "90s", "5m", "2h" or "1d"; got ${JSON.stringify(value)}.`,
  );
}
