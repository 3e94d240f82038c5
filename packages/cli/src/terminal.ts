import colors from "picocolors";

/**
 * Characters a terminal acts on instead of showing: C0 controls (ESC starts escape sequences,
 * CR rewrites the line), DEL, C1 controls (0x9B is a one-byte CSI on some terminals), and the
 * bidirectional and invisible format characters that reorder or hide text (Trojan Source).
 */
const controls = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** The colour codes picocolors writes (`\x1b[<n>m`), or a character from {@link controls}. */
const colorOrControl = new RegExp(`\x1b\\[\\d{1,2}m|${controls.source}`, "g");

const visible = (char: string) => `\\u${(char.codePointAt(0) as number).toString(16).padStart(4, "0")}`;

/**
 * Text a sender chose, made safe to print: every control, bidi or invisible format character
 * becomes a visible `\uXXXX` (also a valid escape inside a JSON string, so a JSON line stays
 * JSON and means the same).
 *
 * @example
 * ```ts
 * escapeControls("ok\x1b[2J"); // "ok\\u001b[2J"
 * ```
 */
export function escapeControls(text: string): string {
  return text.replace(controls, visible);
}

/**
 * The sanitiser every printed line goes through: as {@link escapeControls}, except the colour
 * codes of {@link pc} (whose arguments are escaped first, so a sender cannot write one).
 *
 * @example
 * ```ts
 * process.stdout.write(`${safeLine(line)}\n`);
 * ```
 */
export function safeLine(line: string): string {
  return line.replace(colorOrControl, (match) => (match.length > 1 ? match : visible(match)));
}

/** Writes one line to `stream` through {@link safeLine}. */
export function writeLine(stream: NodeJS.WritableStream, line: string): void {
  stream.write(`${safeLine(line)}\n`);
}

type Color = (text: string | number) => string;
const color =
  (paint: Color): Color =>
  (text) =>
    paint(escapeControls(String(text)));

/** picocolors' styles, escaping their text first: colour whatever a sender wrote with these. */
export const pc = {
  bold: color(colors.bold),
  dim: color(colors.dim),
  red: color(colors.red),
  green: color(colors.green),
  yellow: color(colors.yellow),
  cyan: color(colors.cyan),
};
