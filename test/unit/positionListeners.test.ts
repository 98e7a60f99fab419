import { describe, expect, it } from 'vitest';
import type { EtaEstimate } from '../../src/queue/fairPolicy.js';
import { PositionListeners } from '../../src/queue/positionListeners.js';
import type { PositionUpdate } from '../../src/queue/workQueue.js';

function etas(entries: Record<string, { position: number; doneInMs: number }>): Map<string, EtaEstimate> {
  return new Map(Object.entries(entries).map(([id, e]) => [id, e as unknown as EtaEstimate]));
}

describe('PositionListeners', () => {
  it('a listener that throws stops neither the others nor later notices', () => {
    const listeners = new PositionListeners(5_000);
    const heard: PositionUpdate[] = [];
    listeners.add('a', () => {
      throw new Error('edit failed');
    });
    listeners.add('a', (update) => heard.push(update));
    listeners.notify(etas({ a: { position: 2, doneInMs: 60_000 } }), () => true, 0);
    listeners.notify(etas({ a: { position: 1, doneInMs: 30_000 } }), () => true, 0);
    expect(heard.map((u) => u.position)).toEqual([2, 1]);
  });

  it('stays quiet under etaChangeMs, and for jobs no longer waiting; unsubscribing forgets the job', () => {
    const listeners = new PositionListeners(5_000);
    const heard: number[] = [];
    const off = listeners.add('a', (update) => heard.push(update.position), { position: 1, doneAt: 30_000 });
    listeners.notify(etas({ a: { position: 1, doneInMs: 34_000 } }), () => true, 0);
    listeners.notify(etas({ a: { position: 0, doneInMs: 10_000 } }), () => false, 0);
    expect(heard).toEqual([]);
    listeners.notify(etas({ a: { position: 1, doneInMs: 36_000 } }), () => true, 0);
    expect(heard).toEqual([1]);
    off();
    expect(listeners.size).toBe(0);
  });
});
