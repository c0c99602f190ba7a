import { machineNow } from '#infra/local/servers';

/**
 * Counts the ingest requests the local hub is answering, so its queue consumers can give way to them.
 *
 * On AWS the ingest function and the consumers run on compute of their own and DynamoDB scales on
 * demand: a busy consumer never slows the front door, and SQS holds what waits. Locally one process
 * and one DynamoDB Local serve both, so a consumer about to start a batch first waits (up to a bound)
 * for a moment with no ingest request in flight; the queues, journaled with `--data-dir`, hold the
 * rest. Other requests (a synchronous recompute, queries) do not hold consumers back.
 */
export class FrontDoor {
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  /** When the last request left (machine time, ms). */
  private lastLeftAt = Number.NEGATIVE_INFINITY;

  /** True while a request is in flight or one left less than `withinMs` ago. */
  busy(withinMs: number): boolean {
    return this.inFlight > 0 || machineNow() - this.lastLeftAt < withinMs;
  }

  /** Marks a request as being answered until the returned function is called. */
  enter(): () => void {
    this.inFlight += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inFlight -= 1;
      this.lastLeftAt = machineNow();
      if (this.inFlight === 0) {
        const waiters = this.waiters;
        this.waiters = [];
        for (const resolve of waiters) resolve();
      }
    };
  }

  /** Resolves once no request is in flight, or after `maxWaitMs` at the latest. */
  quiet(maxWaitMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== done);
        resolve();
      }, maxWaitMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
    });
  }
}
