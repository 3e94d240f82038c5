import { headerNames } from "./beam.js";
import { type HeadersInput, readHeader } from "./headers.js";

// Every header the pipeline reads: the four X-Task-* headers and three Content-* ones.
const names = [
  "content-length",
  "content-encoding",
  "content-type",
  headerNames.id,
  headerNames.status,
  headerNames.timestamp,
  headerNames.signature,
];
const lowerNames = names.map((name) => name.toLowerCase());

/**
 * The headers the processor reads, each read once from the framework's headers, so the
 * checks before the body is read and the verification after it do not each pay for the
 * framework's lookups again (a Web `Headers` validates and lower-cases the name on every
 * `get`; a Node record is searched key by key for an absent one). Values are what
 * `readHeader` reads: repeated values joined with `", "`. Each is kept under its lower-case
 * name and as core spells it (`X-Task-ID`), so a lookup is one property read either way.
 */
export class CallbackHeaders {
  private readonly values: Record<string, string | undefined> = {};

  constructor(headers: HeadersInput) {
    const map = typeof (headers as { get?: unknown }).get === "function" ? (headers as { get: Getter }) : undefined;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const lower = lowerNames[i] as string;
      // As `readHeader` reads, without its second `get` when the name is lower-case already.
      const value =
        map === undefined
          ? readHeader(headers, lower)
          : (map.get(name) ?? (name === lower ? undefined : map.get(lower)) ?? undefined);
      this.values[lower] = value;
      this.values[name] = value;
    }
  }

  /** One header, by its lower-case name or as core spells it; others read as absent. */
  get(name: string): string | undefined {
    return this.values[name];
  }
}

type Getter = (name: string) => string | null | undefined;
