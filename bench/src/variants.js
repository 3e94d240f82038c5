import { Buffer } from "node:buffer";
import { createHmac, createSecretKey, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { beamHeaders, SECRET, TIMESTAMP } from "./fixtures.js";

/** bench's own node_modules (pnpm links each direct dependency there), not `exports`-bound. */
const manifest = (name) => new URL(`../node_modules/${name}/package.json`, import.meta.url);

/** Whether bench has `name` installed as a dependency. */
export function isInstalled(name) {
  return existsSync(manifest(name));
}

/** Installed version of a dependency, for the report. */
export function versionOf(name) {
  return JSON.parse(readFileSync(manifest(name), "utf8")).version;
}

// 48 KiB of body per chunk: its 64 KiB of base64 stays a regular V8 string. From 128 KiB up
// V8 allocates strings in its large-object space, which made 96 KiB chunks about 2x slower.
const CHUNK_BYTES = 3 * 16 * 1024;

/**
 * The floor: the work no verifier can skip. One HMAC-SHA256 over base64(body) + ":" + ts,
 * with node:crypto and the base64 fed in chunks (no copy of the whole message), a
 * constant-time compare, then one JSON.parse of the body text.
 */
export function createFloor(secret = SECRET) {
  const key = createSecretKey(Buffer.from(secret, "utf8"));
  /** Throws on a bad signature. `body` is a Buffer. */
  function check(body, timestamp, signatureHex) {
    const hmac = createHmac("sha256", key);
    for (let start = 0; start < body.length; start += CHUNK_BYTES) {
      hmac.update(body.toString("base64", start, Math.min(start + CHUNK_BYTES, body.length)), "latin1");
    }
    hmac.update(`:${timestamp}`, "latin1");
    const given = Buffer.from(signatureHex, "hex");
    if (given.length !== 32 || !timingSafeEqual(hmac.digest(), given)) throw new Error("floor: bad signature");
    return { ok: true };
  }
  return {
    check,
    /** Throws on a bad signature; returns `data`. */
    verify(body, timestamp, signatureHex) {
      check(body, timestamp, signatureHex);
      return JSON.parse(body.toString("utf8")).data;
    },
  };
}

/** Options every core verifier in the bench uses: the fixture's clock, room for 64 MiB. */
export const coreOptions = { secret: SECRET, now: () => TIMESTAMP * 1000, maxBodyBytes: 256 * 1024 * 1024 };

/**
 * Every variant measured by the micro and memory benches. `prepare(body)` signs the body for
 * the variant's own scheme (untimed) and returns `run()`, one complete verification that
 * yields the parsed data (or, with `data(result)`, a result holding it), starting from the raw
 * bytes a server holds (a Buffer).
 */
export const variants = [
  {
    name: "floor",
    label: "floor (node:crypto chunked + JSON.parse)",
    async prepare(body) {
      const floor = createFloor();
      const headers = beamHeaders(body);
      return () => floor.verify(body, headers["x-task-timestamp"], headers["x-task-signature"]);
    },
  },
  {
    name: "core-node",
    label: "@taskhook/core (Node entry)",
    async prepare(body) {
      const { createVerifier } = await import("@taskhook/core");
      const verifier = createVerifier(coreOptions);
      const headers = beamHeaders(body);
      // The promise as an application gets it: the harness's one await stands for the handler's.
      return () => verifier.verify({ headers, body });
    },
    data: (callback) => callback.data,
  },
  {
    name: "core-web",
    label: "@taskhook/core/web (Web Crypto)",
    async prepare(body) {
      const { createVerifier } = await import("@taskhook/core/web");
      const verifier = createVerifier(coreOptions);
      const headers = beamHeaders(body);
      // The promise as an application gets it: the harness's one await stands for the handler's.
      return () => verifier.verify({ headers, body });
    },
    data: (callback) => callback.data,
  },
  {
    name: "standardwebhooks",
    label: "standardwebhooks Webhook.verify",
    peer: "standardwebhooks",
    async prepare(body) {
      const { Webhook } = await import("standardwebhooks");
      const secret = `whsec_${Buffer.from(SECRET).toString("base64")}`;
      const webhook = new Webhook(secret);
      const id = "msg_bench";
      const now = new Date();
      const headers = {
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
        "webhook-signature": webhook.sign(id, now, body),
      };
      return () => webhook.verify(body, headers).data;
    },
  },
  {
    name: "octokit",
    label: "@octokit/webhooks-methods verify + JSON.parse",
    peer: "@octokit/webhooks-methods",
    async prepare(body) {
      const { sign, verify } = await import("@octokit/webhooks-methods");
      const signature = await sign(SECRET, body.toString("utf8"));
      // It takes the payload as a string, so decoding the received bytes is part of its cost.
      return async () => {
        const text = body.toString("utf8");
        if (!(await verify(SECRET, text, signature))) throw new Error("octokit: bad signature");
        return JSON.parse(text).data;
      };
    },
  },
  {
    name: "stripe",
    label: "stripe webhooks.constructEvent",
    peer: "stripe",
    async prepare(body) {
      const { default: Stripe } = await import("stripe");
      const stripe = new Stripe("sk_test_bench");
      const secret = "whsec_bench";
      const header = stripe.webhooks.generateTestHeaderString({ payload: body.toString("utf8"), secret });
      return () => stripe.webhooks.constructEvent(body, header, secret).data;
    },
  },
];

/** Memory-only parts of the floor, to show where the floor's memory goes. */
export const floorParts = [
  {
    name: "floor-hmac",
    label: "floor, signature only (no parse)",
    async prepare(body) {
      const floor = createFloor();
      const headers = beamHeaders(body);
      return () => floor.check(body, headers["x-task-timestamp"], headers["x-task-signature"]);
    },
  },
  {
    name: "floor-parse",
    label: "floor, JSON.parse only (no signature)",
    async prepare(body) {
      return () => JSON.parse(body.toString("utf8")).data;
    },
  },
];

/** `variants` by name. */
export function variant(name) {
  const found = [...variants, ...floorParts].find((v) => v.name === name);
  if (found === undefined) throw new Error(`unknown variant ${name}`);
  return found;
}
