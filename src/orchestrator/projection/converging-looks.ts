// How long an intent whose clusters are still converging waits for its next safety-net look.
// Watches on the projected objects wake the reconciler as soon as a cluster reports progress; the
// timer only covers a report that never comes. While Capsule admits a thousand Tenants, hundreds
// of them wait minutes for its verdict, and a fixed 15 s timer looked at each of them every 15 s
// for nothing (1.9 looks per tenant at N = 1,000, a quarter of its reconciles). So the wait grows
// with the looks at one generation that found it still converging: the base for the first two,
// then doubling up to `maxFactor` × the base. A new generation, or any other outcome, starts
// again from the base.

interface Looks {
  generation: number;
  count: number;
}

export class ConvergingLooks {
  private readonly looks = new Map<string, Looks>();

  constructor(
    private readonly baseMs: number,
    private readonly maxFactor = 4,
  ) {}

  /** Another look at `name`'s `generation` found it converging: the wait before the next one. */
  next(name: string, generation: number): number {
    const last = this.looks.get(name);
    const count = last?.generation === generation ? last.count + 1 : 1;
    this.looks.set(name, { generation, count });
    return this.baseMs * Math.min(2 ** Math.max(count - 2, 0), this.maxFactor);
  }

  /** `name` settled, failed or went away: its next convergence starts from the base. */
  forget(name: string): void {
    this.looks.delete(name);
  }
}
