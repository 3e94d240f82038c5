/** Starts `entry` in workerd through Miniflare on `host`:`port` (0: a free port). */
export function startWorker(options: {
  entry: string | URL;
  bindings?: Record<string, string>;
  host?: string;
  port?: number;
}): Promise<{ url: URL; stop(): Promise<void> }>;
/** What the tests accept from workerd that other runtimes must not do, and why. */
export const resetsLargeUploads: string;
/** Why the flood sends each request on a connection of its own in workerd. */
export const closesAfterUnreadBody: string;
