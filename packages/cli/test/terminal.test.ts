import colors from "picocolors";
import { describe, expect, it } from "vitest";
import { escapeControls, pc, safeLine } from "../src/terminal.js";

describe("the terminal sanitiser", () => {
  it("escapes every C0, C1, DEL, bidi and invisible format character as \\uXXXX", () => {
    const unsafe = [0x00, 0x07, 0x0a, 0x0d, 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9b, 0x9f, 0x61c, 0x200b, 0x200e, 0x200f]
      .concat([0x2028, 0x2029, 0x202a, 0x202e, 0x2060, 0x2066, 0x2069, 0xfeff])
      .map((code) => String.fromCodePoint(code));
    for (const char of unsafe) {
      const code = (char.codePointAt(0) as number).toString(16).padStart(4, "0");
      expect(escapeControls(`a${char}b`)).toBe(`a\\u${code}b`);
      expect(safeLine(`a${char}b`)).toBe(`a\\u${code}b`);
    }
  });

  it("leaves printable text alone: ASCII, accents, CJK, emoji, the escape's own backslash", () => {
    const text = 'ok {"a": 1} café 東京 ☕ 👍 \\u001b ~';
    expect(escapeControls(text)).toBe(text);
    expect(safeLine(text)).toBe(text);
  });

  it("keeps a line's own colours, never a sender's, since pc escapes its argument first", () => {
    const real = colors.createColors(true);
    const hostile = "\x1b[8mhidden\x1b[0m";
    const line = `${real.red("rejected")} ${real.dim(escapeControls(hostile))}`;
    expect(safeLine(line)).toBe(`\x1b[31mrejected\x1b[39m \x1b[2m\\u001b[8mhidden\\u001b[0m\x1b[22m`);
    expect(pc.dim(hostile)).not.toContain("\x1b[8m");
  });

  it("keeps a JSON line valid and equal after escaping", () => {
    const value = { note: "a\u202eb\x85c\u2028d" };
    const line = safeLine(JSON.stringify(value));
    expect(line).not.toMatch(/[\x80-\x9f\u2028\u202e]/);
    expect(JSON.parse(line)).toEqual(value);
  });
});
