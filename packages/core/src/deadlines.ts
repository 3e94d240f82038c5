/** One pending deadline: `expire` runs once `at` (ms since the epoch) has passed, unless cancelled. */
export interface Deadline {
  readonly at: number;
  expire(): void;
}

/**
 * Deadlines of one length share one timer. Added in time order, they expire in insertion
 * order, so adding and cancelling are O(1) and a request costs no timer of its own (a timer
 * per body read was a visible share of a small callback's CPU; see bench/RESULTS.md).
 */
class DeadlineQueue {
  private readonly pending = new Set<Deadline>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  add(deadline: Deadline): void {
    this.pending.add(deadline);
    if (this.timer === undefined) this.arm(deadline.at);
  }

  cancel(deadline: Deadline): void {
    // The last one out stops the timer, so an idle process is not kept alive by it.
    if (this.pending.delete(deadline) && this.pending.size === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private arm(at: number): void {
    this.timer = setTimeout(() => this.fire(), Math.max(1, at - Date.now()));
  }

  private fire(): void {
    this.timer = undefined;
    const now = Date.now();
    for (const deadline of this.pending) {
      if (deadline.at > now) {
        this.arm(deadline.at);
        return;
      }
      this.pending.delete(deadline);
      deadline.expire();
    }
  }
}

const queues = new Map<number, DeadlineQueue>();

/**
 * Runs `expire` in `ms` milliseconds unless the returned function is called first.
 *
 * @example
 * ```ts
 * const cancel = afterDeadline(30_000, () => stream.destroy());
 * ```
 */
export function afterDeadline(ms: number, expire: () => void): () => void {
  let queue = queues.get(ms);
  if (queue === undefined) {
    queue = new DeadlineQueue();
    queues.set(ms, queue);
  }
  const deadline: Deadline = { at: Date.now() + ms, expire };
  const owner = queue;
  owner.add(deadline);
  return () => owner.cancel(deadline);
}
