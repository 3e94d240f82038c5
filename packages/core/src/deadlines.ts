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
  private held = false;

  add(deadline: Deadline): void {
    this.pending.add(deadline);
    if (this.timer === undefined) this.arm(deadline.at);
    else if (!this.held) this.hold(true);
  }

  cancel(deadline: Deadline): void {
    // The last one out lets go of the timer, so an idle process is not kept alive by it. The
    // timer itself stays armed: one request after another would otherwise set and clear a
    // timer each; when it fires with nothing pending it simply ends.
    if (this.pending.delete(deadline) && this.pending.size === 0 && this.held) this.hold(false);
  }

  private hold(held: boolean): void {
    const timer = this.timer as { ref?: () => unknown; unref?: () => unknown };
    if (typeof timer.unref !== "function" || typeof timer.ref !== "function") {
      // A runtime whose timers are plain ids (Deno, workers) cannot let go of one: clear it.
      if (!held) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      this.held = held;
      return;
    }
    this.held = held;
    if (held) timer.ref();
    else timer.unref();
  }

  private arm(at: number): void {
    this.timer = setTimeout(() => this.fire(), Math.max(1, at - Date.now()));
    this.held = true;
  }

  private fire(): void {
    this.timer = undefined;
    this.held = false;
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
