/**
 * A counting semaphore for the client's requests in flight: at most `size` at once, the rest queued in
 * order. 2,000 concurrent requests would otherwise open 2,000 sockets and overflow a server's listen
 * queue (ECONNRESET before the request is read, which for a write is "outcome unknown").
 *
 * Written here rather than taken from p-limit/p-queue because a queued place must be given up when the
 * caller's signal aborts (those libraries can only clear the whole queue), and because an attempt holds
 * its slot only while on the wire, not across the client's waits between attempts.
 */
export class Slots {
  #free: number;
  readonly #queue: Array<() => void> = [];

  constructor(readonly size: number) {
    this.#free = size;
  }

  /** Takes a slot: synchronously (`true`) when one is free, else a promise that resolves once it is yours. */
  acquire(signal?: AbortSignal): true | Promise<void> {
    if (this.#free > 0 && this.#queue.length === 0) {
      this.#free--;
      return true;
    }
    if (signal?.aborted) return Promise.reject(signal.reason as unknown);
    return new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const i = this.#queue.indexOf(grant);
        if (i !== -1) this.#queue.splice(i, 1);
        reject(signal?.reason as unknown);
      };
      this.#queue.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Gives a slot back (to the next in the queue, if any). Call once per acquire. */
  release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#free++;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.#queue.length;
  }
}
