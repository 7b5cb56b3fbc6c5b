type Timer = ReturnType<typeof setTimeout>;

/**
 * Timed follow-ups for resources that are not machines (Postgres clusters, backups, snapshots): the
 * API answers at once and the state moves on later, one `ms` per step. With 0 every step runs at once.
 */
export class Delays {
  private timers = new Set<Timer>();
  private idle: Array<() => void> = [];

  constructor(private readonly ms: number) {}

  chain(steps: Array<() => void>): void {
    if (this.ms === 0) {
      for (const step of steps) step();
      return;
    }
    const queue = [...steps];
    const next = () => {
      this.timers.delete(timer);
      queue.shift()?.();
      if (queue.length) {
        timer = setTimeout(next, this.ms);
        this.timers.add(timer);
      } else this.release();
    };
    let timer = setTimeout(next, this.ms);
    this.timers.add(timer);
  }

  /** Resolves once no follow-up is pending. */
  settle(): Promise<void> {
    if (!this.timers.size) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  reset(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.release();
  }

  private release(): void {
    if (!this.timers.size) for (const resolve of this.idle.splice(0)) resolve();
  }
}
