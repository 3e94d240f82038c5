import { headerNames } from "./beam.js";
import { type HeadersInput, readHeader } from "./headers.js";

// Every header the pipeline reads, lower-case: the four X-Task-* headers and three Content-*.
const names = [
  "content-length",
  "content-encoding",
  "content-type",
  headerNames.id.toLowerCase(),
  headerNames.status.toLowerCase(),
  headerNames.timestamp.toLowerCase(),
  headerNames.signature.toLowerCase(),
];

/**
 * The headers the processor reads, each read once from the framework's headers into a plain
 * record with lower-case names (absent ones left out), so the checks before the body is read
 * and the verification after it do not each pay for the framework's lookups again (a Web
 * `Headers` validates and lower-cases the name on every `get`). Values read as `readHeader`
 * reads them: repeated values joined with `", "`.
 */
export function readCallbackHeaders(headers: HeadersInput): Record<string, string> {
  const read: Record<string, string> = {};
  if (typeof (headers as { get?: unknown }).get === "function") {
    // The names are lower-case already: one `get` each, where `readHeader` retries an absent one.
    const map = headers as { get(name: string): string | null | undefined };
    for (const name of names) {
      const value = map.get(name);
      if (value !== undefined && value !== null) read[name] = value;
    }
    return read;
  }
  for (const name of names) {
    const value = readHeader(headers, name);
    if (value !== undefined) read[name] = value;
  }
  return read;
}
