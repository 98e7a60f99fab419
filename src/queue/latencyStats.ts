// Measured latencies per model, for queue ETAs. Each model starts from the catalog's typicalSeconds;
// the mean of a rolling window of recent successful generations takes over as measurements arrive
// (the seed counts as `seedWeight` samples and fades out once that many real ones are in). Only
// successes should be recorded: a timeout or a refused request says nothing about generation time.
import type { ModelSpec } from '../catalog/types.js';

export interface LatencyStatsOptions {
  /** Models and their typical seconds (the catalog). */
  models?: readonly Pick<ModelSpec, 'id' | 'typicalSeconds'>[];
  /** Estimate for a model with neither a seed nor measurements. Default 30 s. */
  fallbackMs?: number;
  /** Recent successes kept per model. Default 20. */
  window?: number;
  /** How many samples the catalog seed is worth. Default 3. */
  seedWeight?: number;
}

export class LatencyStats {
  private readonly seeds = new Map<string, number>();
  private readonly samples = new Map<string, number[]>();
  private readonly fallbackMs: number;
  private readonly window: number;
  private readonly seedWeight: number;

  constructor(options: LatencyStatsOptions = {}) {
    this.fallbackMs = options.fallbackMs ?? 30_000;
    this.window = Math.max(1, Math.floor(options.window ?? 20));
    this.seedWeight = Math.max(0, options.seedWeight ?? 3);
    for (const model of options.models ?? []) this.seed(model.id, model.typicalSeconds * 1000);
  }

  /** Sets (or replaces) the starting estimate of a model, in ms. */
  seed(model: string, ms: number): void {
    if (Number.isFinite(ms) && ms > 0) this.seeds.set(model, ms);
  }

  /** Records one successful generation's latency (request to response), in ms. Others are ignored. */
  record(model: string, ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0) return;
    let list = this.samples.get(model);
    if (!list) {
      list = [];
      this.samples.set(model, list);
    }
    list.push(ms);
    if (list.length > this.window) list.splice(0, list.length - this.window);
  }

  /** Expected ms for one generation of `model`. */
  estimate(model: string): number {
    const seed = this.seeds.get(model);
    const list = this.samples.get(model) ?? [];
    if (list.length === 0) return seed ?? this.fallbackMs;
    const seedCount = seed === undefined ? 0 : Math.max(0, this.seedWeight - list.length);
    const sum = list.reduce((total, ms) => total + ms, 0) + seedCount * (seed ?? 0);
    return Math.round(sum / (list.length + seedCount));
  }

  /** How many measurements back the estimate of `model`. */
  sampleCount(model: string): number {
    return this.samples.get(model)?.length ?? 0;
  }
}
