/**
 * A FIFO lock over the one PGlite backend. It remembers who holds it, so a
 * WebSocket session can keep it across several messages (while its transaction is
 * open) and an HTTP request can hold it for its whole transaction.
 */

interface Waiter {
  readonly owner: object;
  readonly grant: () => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class BackendLock {
  #holder: object | null = null;
  readonly #queue: Waiter[] = [];

  /** Who holds the lock now, or null. */
  get holder(): object | null {
    return this.#holder;
  }

  /**
   * Waits for the lock in arrival order. After `waitMs` the wait is abandoned and
   * the promise rejects with `onTimeout()`, so a session stuck inside a transaction
   * shows up as a clear error instead of a hang.
   */
  acquire(owner: object, waitMs: number, onTimeout: () => Error): Promise<void> {
    if (this.#holder === owner) return Promise.reject(new Error("BackendLock: owner already holds the lock"));
    if (this.#holder === null && this.#queue.length === 0) {
      this.#holder = owner;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        owner,
        grant: resolve,
        timer: setTimeout(() => {
          const at = this.#queue.indexOf(waiter);
          if (at >= 0) this.#queue.splice(at, 1);
          reject(onTimeout());
        }, waitMs),
      };
      this.#queue.push(waiter);
    });
  }

  /** Hands the lock to the next waiter. Releasing a lock one does not hold is a bug. */
  release(owner: object): void {
    if (this.#holder !== owner) throw new Error("BackendLock: release by a non-holder");
    const next = this.#queue.shift();
    if (!next) {
      this.#holder = null;
      return;
    }
    clearTimeout(next.timer);
    this.#holder = next.owner;
    next.grant();
  }
}
