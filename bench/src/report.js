import { MiB } from "./fixtures.js";
import { formatBytes, formatOps, median } from "./measure.js";
import { timingTable } from "./timing.js";

const x = (ratio) => `${ratio.toFixed(2)}x`;
const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;
const us = (micros) => `${micros.toFixed(1)} µs`;

/**
 * Each performance target as met/missed with its margin, from one run's results: the Node entry
 * near the hardware floor, memory near the floor's, adapters near a bare route in req/s and in
 * the server CPU they add per request.
 */
export function targets({ micro, memory, http }) {
  const lines = [];
  const at = (variant, bytes) => micro.find((r) => r.variant === variant && r.bytes === bytes);
  const sizes = [...new Set(micro.map((r) => r.bytes))];

  const nodeAt = (bytes) => ({ bytes, ratio: at("core-node", bytes).ratio });
  const small = nodeAt(sizes[0]);
  lines.push(
    line(
      small.ratio >= 0.9,
      `Node entry >= 0.9x the floor at ${formatBytes(small.bytes)}`,
      `${x(small.ratio)} (${signed(small.ratio - 0.9)}x margin)`,
    ),
  );
  const large = sizes.filter((b) => b >= 64 * 1024).map(nodeAt);
  const worstLarge = large.reduce((a, b) => (b.ratio < a.ratio ? b : a));
  lines.push(
    line(
      worstLarge.ratio >= 1,
      "Node entry >= 1.0x the floor from 64 KiB up",
      `worst ${x(worstLarge.ratio)} at ${formatBytes(worstLarge.bytes)} (${signed(worstLarge.ratio - 1)}x margin); ` +
        large.map((r) => `${formatBytes(r.bytes)} ${x(r.ratio)}`).join(", "),
    ),
  );

  const webBig = sizes.filter((b) => b >= MiB).map((bytes) => ({ bytes, ratio: at("core-web", bytes).ratio }));
  const worstWeb = webBig.reduce((a, b) => (b.ratio < a.ratio ? b : a));
  lines.push(
    line(
      worstWeb.ratio >= 0.8,
      "Web entry >= 0.8x the floor from 1 MiB up",
      `worst ${x(worstWeb.ratio)} at ${formatBytes(worstWeb.bytes)} (${signed(worstWeb.ratio - 0.8)}x margin); ` +
        `all sizes: ${sizes.map((bytes) => `${formatBytes(bytes)} ${x(at("core-web", bytes).ratio)}`).join(", ")}`,
    ),
  );

  const node = memory.find((m) => m.variant === "core-node");
  const floor = memory.find((m) => m.variant === "floor");
  const added = node.extra - floor.extra;
  lines.push(
    line(
      added <= 8 * MiB,
      "64 MiB body: the Node entry's peak <= the floor's + 8 MiB",
      `${signed(added / MiB, 1)} MiB over the floor (${signed((8 * MiB - added) / MiB, 1)} MiB margin); the floor ` +
        `itself needs ${mib(floor.extra)} beyond the body and its result, since JSON.parse needs the body as one string`,
    ),
  );

  for (const h of http) {
    lines.push(
      line(
        h.ratio >= 0.9,
        `${h.adapterLabel} >= 0.9x its bare+floor route`,
        `${x(h.ratio)} (${signed(h.ratio - 0.9)}x margin; stretch 1.0x ${h.ratio >= 1 ? "met" : "missed"})`,
      ),
    );
  }
  for (const h of http) {
    lines.push(
      line(
        h.cpuAdded <= 8,
        `${h.adapterLabel} adds <= 8 µs of server CPU per request`,
        `${us(h.cpuAdded)} added (${signed(8 - h.cpuAdded, 1)} µs margin): ${us(h.cpuAdapter)} vs ${us(h.cpuBare)} bare`,
      ),
    );
  }
  return lines;
}

/**
 * The peers, as a report rather than a target: their schemes hash fewer bytes than Beam's
 * (no base64 of the body), so the targets are against the floor.
 */
export function peerReport(micro) {
  const at = (variant, bytes) => micro.find((r) => r.variant === variant && r.bytes === bytes);
  const sizes = [...new Set(micro.map((r) => r.bytes))];
  const peers = [...new Set(micro.map((r) => r.variant))].filter(
    (v) => !["floor", "core-node", "core-web"].includes(v),
  );
  return peers.map((peer) => {
    const cells = sizes.map((bytes) => {
      const core = at("core-node", bytes);
      const other = at(peer, bytes);
      return `${formatBytes(bytes)} ${x(median(core.samples.map((ops, i) => ops / other.samples[i])))}`;
    });
    return `- Node entry / ${peer}: ${cells.join(", ")}`;
  });
}

const refusalLabels = {
  accepted: "accepted (verify)",
  refused: "refused, no diagnosis (verify)",
  diagnosed: "refused + full diagnosis",
  "processor-refused": "refused by the processor, reporting on",
};

function refusalTable(refusals) {
  const sizes = [...new Set(refusals.map((r) => r.bytes))];
  const rows = [`| case | ${sizes.map(formatBytes).join(" | ")} |`, `| --- | ${sizes.map(() => "---:").join(" | ")} |`];
  for (const [name, label] of Object.entries(refusalLabels)) {
    const cells = sizes.map((bytes) => {
      const r = refusals.find((m) => m.name === name && m.bytes === bytes);
      return `${formatOps(r.ops)} ops/s (${x(r.perRefusal)} refused)`;
    });
    rows.push(`| ${label} | ${cells.join(" | ")} |`);
  }
  return rows;
}

function line(met, target, detail) {
  return `- **${met ? "met" : "missed"}**: ${target}: ${detail}`;
}

function signed(value, digits = 2) {
  return `${value >= 0 ? "+" : ""}${value.toFixed(digits)}`;
}

/** The whole report as Markdown. */
export function report({ micro, memory, http, timing, refusals, meta }) {
  const sizes = meta.sizes;
  const variants = [...new Map(micro.map((r) => [r.variant, r.label])).entries()];
  const out = [];
  out.push("# taskhook bench results", "");
  out.push(
    `Run ${meta.date} on ${meta.cpu}, ${meta.memory}, ${meta.os}, Node ${meta.node}. ` +
      `Load average ${meta.load.before.map((l) => l.toFixed(2)).join("/")} before, ` +
      `${meta.load.after.map((l) => l.toFixed(2)).join("/")} after (1/5/15 min). ` +
      `Bench time ${meta.seconds.toFixed(0)} s (without the build).`,
  );
  out.push(
    "",
    `Versions: ${Object.entries(meta.versions)
      .map(([n, v]) => `${n} ${v}`)
      .join(", ")}.`,
    "",
  );
  out.push(
    "The machine is shared (2 cores, other engineers' tests run on it), so absolute numbers are noisy. " +
      "Micro and refusal rates are calls per second of the process's CPU time (`process.cpuUsage`, " +
      "all threads), not of wall time, which on this machine mostly measures the scheduler. " +
      "Ratios come from the same run: variants are interleaved in rounds and each ratio is the median over " +
      "rounds of the per-round ratio to the floor. Bodies are Python-`json.dumps`-style callbacks: " +
      "1/8 numbers (an embedding), 1/8 escaped text, the rest one base64 string (an image).",
    "",
  );

  out.push("## Micro: verify + parse, ops per CPU second (ratio to the floor)", "");
  out.push(`| variant | ${sizes.map(formatBytes).join(" | ")} |`, `| --- | ${sizes.map(() => "---:").join(" | ")} |`);
  for (const [name, label] of variants) {
    const cells = sizes.map((bytes) => {
      const r = micro.find((m) => m.variant === name && m.bytes === bytes);
      return `${formatOps(r.ops)} (${x(r.ratio)})`;
    });
    out.push(`| ${label} | ${cells.join(" | ")} |`);
  }
  out.push(
    "",
    "Floor: node:crypto HMAC-SHA256 over base64(body) fed in 48 KiB chunks, `:` + timestamp, " +
      "`timingSafeEqual`, then `JSON.parse(body.toString())`. Peers verify their own schemes over the same " +
      "bytes and return the parsed JSON; @octokit/webhooks-methods takes a string, so decoding the bytes is " +
      "counted for it.",
    "",
  );

  out.push("## Memory: one verification of a 64 MiB body, own process each", "");
  out.push(
    "| variant | peak RSS above baseline | parsed result (live after GC) | beyond body and result |",
    "| --- | ---: | ---: | ---: |",
  );
  for (const m of memory) out.push(`| ${m.label} | ${mib(m.peak)} | ${mib(m.retained)} | ${mib(m.extra)} |`);
  out.push(
    "",
    "The baseline is taken with the 64 MiB body already read (a server holds it before verifying), after a " +
      "full GC; the peak is Linux's VmHWM, reset just before the call" +
      (memory.every((m) => m.peakReset) ? "" : " (not resettable here: process maxRSS used instead)") +
      ". `beyond` = peak - baseline - parsed result. It includes the body's text, which `JSON.parse` needs " +
      "as one string (64 MiB), and V8's working memory while parsing; the two floor parts show where " +
      "the floor's share goes (the chunked signature itself needs almost nothing).",
    "",
  );

  out.push("## HTTP: requests/s, 1 KiB callback, 50 connections, 127.0.0.1", "");
  out.push(
    "| pair | bare + floor, req/s | adapter, req/s | adapter / bare | bare CPU/req | adapter CPU/req | added CPU/req | of which user | non-2xx or errors |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const h of http) {
    out.push(
      `| ${h.adapterLabel} | ${formatOps(h.bare)} | ${formatOps(h.adapter)} | ${x(h.ratio)} | ${us(h.cpuBare)} | ` +
        `${us(h.cpuAdapter)} | ${us(h.cpuAdded)} | ${us(h.userAdded)} | ${h.failed.bare + h.failed.adapter} |`,
    );
  }
  out.push(
    "",
    "Each server runs in its own process, autocannon in the bench's; the two routes of a pair alternate in " +
      "segments of 40,000 requests (A B B A ...), four each after 5,000 to warm up (the default store holds " +
      "200,000 callbacks, so it never fills within a pair), and the ratio is the median of the " +
      "per-pair ratios. The bare route reads the raw body, runs the floor verification and answers with the same " +
      "bytes as its adapter (status, Content-Type, body: 200 JSON for the processor and fetch, 204 for the " +
      "middleware adapters, whose bench route answers 204); the " +
      "adapter route runs taskhook with its defaults and a no-op handler. Every request carries its own " +
      "X-Task-ID (not covered by Beam's signature), so each is a new callback for the idempotency store. " +
      "CPU/req is the server process's `process.cpuUsage()` (user + system) over a segment divided by the " +
      "requests it answered, median over segments; `added` is the median of the per-pair differences, `of which user` its user-mode " +
      "part (JavaScript, without the kernel's socket work). It " +
      "depends far less than req/s on what else the machine runs.",
    "",
  );

  out.push("## Timing: rejecting a forged signature (constant-time compare)", "");
  out.push(timingTable(timing), "");
  out.push(
    "Each sample is one rejected verify of a 70-byte body, timed with `process.hrtime`; the two cases are " +
      "drawn in random order. A distribution, not a pass/fail.",
    "",
  );

  out.push("## Refusals: what saying why costs (issue 17)", "");
  out.push(...refusalTable(refusals), "");
  out.push(
    "Ops/s of a verify that accepts; of one refused with INVALID_SIGNATURE (what every refusal costs, " +
      "no diagnosis); of that refusal plus a full diagnosis (a wrong key, so every hypothesis is tested: the " +
      "worst case); and of the processor answering the forged request with its reporting on (at most one " +
      "diagnosis a second, the rest counted). `x refused` is the time of one such request over the plain " +
      "refusal's, median of per-round ratios. The accepted path runs no diagnosis code.",
    "",
  );

  out.push("## Peers (a report, not a target)", "", ...peerReport(micro), "");
  out.push(
    "Ops/s of the Node entry over each peer's, median of per-round ratios. The peers' schemes hash the body " +
      "as it is; Beam's hashes base64(body), 4/3 as many bytes, so the targets are set against the floor, " +
      "which does Beam's work by hand.",
    "",
  );

  out.push("## Targets", "", ...targets({ micro, memory, http }), "");
  return out.join("\n");
}
