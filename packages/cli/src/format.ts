import pc from "picocolors";
import { escapeControls } from "./terminal.js";

/** A status word coloured by what it means: green done, red failed, yellow ended early. */
export function colorStatus(status: string): string {
  if (status === "COMPLETE") return pc.green(status);
  if (status === "ERROR") return pc.red(status);
  if (status === "CANCELLED" || status === "TIMEOUT" || status === "EXPIRED") return pc.yellow(status);
  return pc.cyan(status);
}

/** An HTTP status coloured by class. */
export function colorHttp(status: number): string {
  const text = String(status);
  if (status < 300) return pc.green(text);
  if (status < 500) return pc.red(text);
  return pc.yellow(text);
}

/** One line of at most `max` characters, control and bidi characters escaped (`\uXXXX`). */
export function preview(value: unknown, max = 80): string {
  const text = escapeControls(typeof value === "string" ? value : (JSON.stringify(value) ?? String(value)));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The local wall-clock time, HH:MM:SS. */
export function clock(date = new Date()): string {
  return date.toTimeString().slice(0, 8);
}

/** Seconds between a Unix timestamp and now, like `3s` or `-2s`. */
export function age(timestamp: number, now = Date.now()): string {
  return `${Math.floor(now / 1000) - timestamp}s`;
}

/** Milliseconds as `12 ms` or `1.5 s`. */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}

/** Quotes text for a POSIX shell. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A `curl` command that POSTs `body` with `headers` to `url`, quoted for a POSIX shell. */
export function curlCommand(url: string, headers: Array<[string, string]>, body: string): string {
  return [
    "curl -sS -X POST",
    shellQuote(url),
    ...headers.map(([name, value]) => `-H ${shellQuote(`${name}: ${value}`)}`),
    `--data-binary ${shellQuote(body)}`,
  ].join(" ");
}
