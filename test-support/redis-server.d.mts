export interface RedisServer {
  port: number;
  url: string;
  /** Ends the server; its data is gone. */
  stop(): Promise<void>;
  /** Brings a fresh, empty server up on the same port. */
  start(): Promise<void>;
}
export function startRedis(): Promise<RedisServer>;
