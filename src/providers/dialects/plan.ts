// The part of planning every dialect shares: run the checks, map the size, collect adjustments, and
// decide which optional fields go on the wire.
import type { ModelSpec } from '../../catalog/types.js';
import { mapSize, type SizeMapping } from '../../catalog/sizes.js';
import type { Adjustment, DialectOptions, ImageRequest, PlannedRequest } from '../types.js';
import { checkOptions, type CheckedOptions } from './checks.js';

export interface CheckedRequest extends CheckedOptions {
  size: SizeMapping;
  /** Size first, then the options in the order they were checked. */
  adjustments: Adjustment[];
}

/** Validates `request` for `model`; throws InvalidInputError before anything is sent. */
export function checkRequest(request: ImageRequest, model: ModelSpec, options: DialectOptions): CheckedRequest {
  const adjustments: Adjustment[] = [];
  // The prompt comes first so an empty prompt is reported before a size problem.
  const checked = checkOptions(request, model, options, adjustments);
  const size = mapSize(model, request.size, options);
  if (size.adjustment) adjustments.unshift(size.adjustment);
  return { ...checked, size, adjustments };
}

/** Copies the entries whose value is defined: optional fields are left out, never sent as null. */
export function definedFields(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/**
 * An optional value worth sending: only one that differs from what the model does without it
 * (no `moderation: "auto"`, no `safety_tolerance: 2`), so a relay that knows only the stable
 * parameters never sees the others unless the member asked for something else.
 */
export function unlessDefault<T>(value: T | undefined, fallback: T | undefined): T | undefined {
  return value === fallback ? undefined : value;
}

export function planned(model: ModelSpec, checked: CheckedRequest, body: Record<string, unknown>): PlannedRequest {
  return {
    model,
    path: '/images/generations',
    body,
    effectiveSize: checked.size.value,
    n: checked.n,
    adjustments: checked.adjustments,
  };
}
