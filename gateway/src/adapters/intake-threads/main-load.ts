import { performance, type EventLoopUtilization } from 'node:perf_hooks';

type Utilization = (current?: EventLoopUtilization, previous?: EventLoopUtilization) => EventLoopUtilization;

/**
 * How busy the main thread's event loop has been lately: the share of the last
 * sampling window it spent running callbacks rather than waiting for I/O.
 * The intake pool spills single events to a worker only while this is high.
 */
export class MainLoad {
  private last: EventLoopUtilization;
  private share = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    windowMs = 100,
    private readonly utilization: Utilization = (c, p) => performance.eventLoopUtilization(c, p),
  ) {
    this.last = this.utilization();
    this.timer = setInterval(() => this.sample(), windowMs).unref();
  }

  /** The event loop's busy share (0 to 1) over the last complete window. */
  get utilisation(): number {
    return this.share;
  }

  sample(): void {
    const now = this.utilization();
    this.share = this.utilization(now, this.last).utilization;
    this.last = now;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
