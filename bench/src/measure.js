/** Median of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The `q` quantile (0..1) of numbers, by nearest rank. */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * Runs `run` back to back for at least `ms` milliseconds and `minOps` calls, awaiting it only
 * when it returns a promise, and returns calls per second of this process's CPU time (user +
 * system, all threads: GC helpers count). On a shared machine wall time mostly measures how
 * often the scheduler let this process run; CPU time measures the work.
 */
export async function opsPerSecond(run, ms, minOps = 1) {
  let count = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  do {
    const result = run();
    if (result instanceof Promise) await result;
    count++;
  } while (performance.now() - start < ms || count < minOps);
  const cpu = process.cpuUsage(cpuStart);
  return (count * 1e6) / Math.max(1, cpu.user + cpu.system);
}

/** `list` rotated left by `by`, so each round starts with a different variant. */
export function rotate(list, by) {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

export function formatBytes(bytes) {
  if (bytes >= 1024 * 1024) return `${+(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export function formatOps(ops) {
  if (ops >= 100) return Math.round(ops).toLocaleString("en-US");
  return ops.toPrecision(3);
}

/** Writes a progress line to stderr, so stdout stays the report. */
export function progress(message) {
  process.stderr.write(`[bench] ${message}\n`);
}
