/**
 * Any header shape a JavaScript server hands you: a Web `Headers` (or anything with a
 * `get(name)` method), Node's `IncomingHttpHeaders` whose values may be `string[]`, or a
 * plain record. Names are matched case-insensitively.
 */
export type HeadersInput =
  | { get(name: string): string | null | undefined }
  | Readonly<Record<string, string | readonly string[] | number | undefined>>;

/**
 * Reads one header, case-insensitively. Repeated values are joined with `", "`, as
 * `Headers` and Node do, so a header sent twice never passes a strict format check.
 * `lower` is `name` in lower case; hot paths pass it precomputed.
 */
export function readHeader(headers: HeadersInput, name: string, lower = name.toLowerCase()): string | undefined {
  if (typeof (headers as { get?: unknown }).get === "function") {
    // Headers ignores case; a Map (or similar) with lower-case keys is matched as well.
    const map = headers as { get(name: string): string | null | undefined };
    return map.get(name) ?? (lower === name ? undefined : map.get(lower)) ?? undefined;
  }
  const record = headers as Record<string, unknown>;
  let value = Object.hasOwn(record, lower) ? record[lower] : undefined;
  if (value === undefined) {
    for (const key of Object.keys(record)) {
      if (key.length === lower.length && key.toLowerCase() === lower) {
        value = record[key];
        break;
      }
    }
  }
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(String).join(", ");
  return String(value);
}
