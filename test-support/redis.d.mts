import type { Reporter } from "vitest/reporters";
import type { RedisServer } from "./redis-server.mjs";

export interface TestRedis {
  /** Where the tests connect. */
  url: string;
  /** The redis-server the tests started (stop/start it to test outages); absent with $REDIS_URL. */
  server: RedisServer | undefined;
}
export function redisForTests(): Promise<TestRedis | undefined>;
export function redisSuite(redis: TestRedis | undefined): { skip?: boolean; meta: { needsRedis: true } };
export const redisHint: string;
export function skipLine(count: number): string;
export class RedisSkipReporter implements Reporter {
  onTestRunEnd: NonNullable<Reporter["onTestRunEnd"]>;
}
export function resetSkips(): void;
export function recordedSkips(): number;

declare module "vitest" {
  interface TaskMeta {
    /** Set on tests that need Redis, so the skip line counts them. */
    needsRedis?: boolean;
  }
}
