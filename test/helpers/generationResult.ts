// A relay's answer as the generation core receives it: one tiny image, for tests of the records
// (settle, sweep, recovery) that need a result but never look at its pixels.
import type { GenerationResult } from '../../src/providers/types.js';

export function oneImageResult(estimatedCost: number): GenerationResult {
  return {
    images: [{ bytes: Buffer.alloc(100), mime: 'image/png', width: 1, height: 1 }],
    model: 'flux-2-pro',
    relay: 'r',
    requestId: 'req-1',
    effectiveSize: '1024x1024',
    adjustments: [],
    qualityDropped: false,
    elapsedMs: 1234,
    estimatedCost,
  };
}
