export interface ReceiverStats {
  /** How many times the handler finished without throwing, by task id. */
  handled: Record<string, number>;
  /** How many answers of each HTTP status the receiver gave. */
  statuses: Record<string, number>;
  /** CPU time the receiver process has used, user and system, in milliseconds. */
  cpuMs: number;
}
export interface Receiver {
  url: string;
  stats(): Promise<ReceiverStats>;
  stop(): Promise<void>;
}
export function startReceiver(options: { redisUrl: string; client?: string; secret: string }): Promise<Receiver>;
