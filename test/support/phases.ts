// Waiting on what the reconcilers write to the store: an object reaching a phase for its current
// generation, and every status written, in order (a Drifted that was repaired at once is still
// seen, which the last status alone would not show).
import { expect, vi } from 'vitest';
import type { Kind, Phase, Resource, ResourceStatus } from '../../src/domain/resource.js';
import type { ObjectStore } from '../../src/store/types.js';

/** Resolves with the object once it is in `phase` for its current generation. */
export async function untilPhase(objects: ObjectStore, kind: Kind, name: string, phase: Phase, timeout = 90_000): Promise<Resource> {
  let last: Resource | undefined;
  await vi.waitFor(
    async () => {
      last = await objects.get<Record<string, unknown>>(kind, name);
      expect(last?.status.phase, `${kind}/${name}: ${JSON.stringify(last?.status)}`).toBe(phase);
      expect(last!.status.observedGeneration).toBe(last!.generation);
    },
    { timeout, interval: 50 },
  );
  return last!;
}

/** Records every status written through `objects` from now on; returns the history of one object. */
export function recordStatuses(objects: ObjectStore): (kind: Kind, name: string) => ResourceStatus[] {
  const written = new Map<string, ResourceStatus[]>();
  const updateStatus = objects.updateStatus.bind(objects);
  objects.updateStatus = async (kind: Kind, name: string, status: ResourceStatus, ctx?: object) => {
    const key = `${kind}/${name}`;
    written.set(key, [...(written.get(key) ?? []), structuredClone(status)]);
    return updateStatus(kind, name, status, ctx);
  };
  return (kind, name) => written.get(`${kind}/${name}`) ?? [];
}
