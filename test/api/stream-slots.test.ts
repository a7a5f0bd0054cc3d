// Stream slots: per subject and in all, given back once.
import { describe, expect, it } from 'vitest';
import { StreamSlots } from '../../src/api/stream-slots.js';

describe('StreamSlots', () => {
  it('refuses a subject past its own limit while others still get one, then the total', () => {
    const slots = new StreamSlots({ total: 3, perSubject: 2 });
    const a1 = slots.acquire('alice');
    const a2 = slots.acquire('alice');
    expect('release' in a1 && 'release' in a2).toBe(true);
    expect(slots.acquire('alice')).toEqual({ refused: 'subject' });
    expect('release' in slots.acquire('bob')).toBe(true);
    expect(slots.acquire('carol')).toEqual({ refused: 'total' });
    expect(slots.open()).toBe(3);
  });

  it('a released slot is free again, and releasing twice frees only one', () => {
    const slots = new StreamSlots({ total: 10, perSubject: 2 });
    const first = slots.acquire('alice');
    slots.acquire('alice');
    if (!('release' in first)) throw new Error('refused');
    first.release();
    first.release();
    expect(slots.open('alice')).toBe(1);
    expect('release' in slots.acquire('alice')).toBe(true);
    expect(slots.acquire('alice')).toEqual({ refused: 'subject' });
  });
});
