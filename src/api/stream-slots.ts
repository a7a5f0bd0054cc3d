// Slots for long-lived streams, counted per subject and in all: a stream takes one before it
// opens and gives it back when it ends, so one client cannot hold every connection.

export type SlotRefusal = 'subject' | 'total';

export class StreamSlots {
  private readonly bySubject = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: { total: number; perSubject: number }) {}

  /** A release function (idempotent), or which limit refuses the slot. */
  acquire(subject: string): { release: () => void } | { refused: SlotRefusal } {
    const held = this.bySubject.get(subject) ?? 0;
    if (held >= this.limits.perSubject) return { refused: 'subject' };
    if (this.total >= this.limits.total) return { refused: 'total' };
    this.bySubject.set(subject, held + 1);
    this.total++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = (this.bySubject.get(subject) ?? 1) - 1;
        if (left > 0) this.bySubject.set(subject, left);
        else this.bySubject.delete(subject);
      },
    };
  }

  /** Open streams: in all, or of one subject. */
  open(subject?: string): number {
    return subject === undefined ? this.total : (this.bySubject.get(subject) ?? 0);
  }
}
