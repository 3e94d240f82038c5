import { expect, it } from "vitest";
import { seam } from "../src/crypto/web.js";

it("runs this project against the crypto seam it names", () => {
  expect(seam.name).toBe(process.env.TASKHOOK_SEAM);
});
