import { expect, it } from "vitest";
import { crypto } from "../src/crypto/web.js";

it("runs this project against the crypto seam it names", () => {
  expect(crypto.name).toBe(process.env.TASKHOOK_SEAM);
});
