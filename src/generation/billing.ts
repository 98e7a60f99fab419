// Which failed request the relay billed, and so how the ledger settles it (the table in ledger.ts).
// The rule is stated once, here; settlement.ts applies it to the ledger, the usage log and the job table.
import type { ErrorKind } from '../providers/errors.js';
import type { Ledger } from '../storage/ledger.js';

/** How a request that ended without a delivered image is charged. */
export type FailureCharge =
  /** The relay answered 200 but the image was unusable: billed to the server, not the member's quota. */
  | 'unusable'
  /** Sent, with no answer (timeout, cut, shutdown, cancel once sent): possibly billed, at the estimate. */
  | 'possibly_billed'
  /** The relay said no (its JSON errors, policy blocks) or never saw it: nothing billed. */
  | 'refund';

/** What of an ImagineError the rule reads (structural, so storage needs no provider code at run time). */
export interface BilledErrorFacts {
  kind: ErrorKind;
  status?: number;
  code?: string;
  possiblyBilled: boolean;
}

/**
 * A malformed answer followed a 200 (broken image, bad base64, an expired or refused link, an image
 * that cannot be decoded): the relay billed it. The one malformed answer that is no 200 is the
 * relay's own redirect (a wrong base URL: nothing ran there). Download failures also carry a status,
 * the image link's, but always with an `image_…` code, and they came after the relay's 200.
 */
export function answeredOk(error: BilledErrorFacts): boolean {
  if (error.kind !== 'malformed_response') return false;
  const redirect = error.status !== undefined && error.status >= 300 && error.status < 400;
  return !redirect || (error.code?.startsWith('image_') ?? false);
}

/**
 * The charge for a request that was sent to the relay and ended without an image. `stopped`: we
 * stopped it mid-request (the requester's cancel, shutdown, the run deadline), so it may be billed
 * whatever error the stop produced.
 */
export function failureCharge(error: BilledErrorFacts | undefined, stopped: boolean): FailureCharge {
  if (stopped || error?.possiblyBilled === true) return 'possibly_billed';
  if (error && answeredOk(error)) return 'unusable';
  return 'refund';
}

/**
 * Settles the ledger row of `key` by `charge` and returns what it now charges (USD), for the usage
 * row: copying the ledger's own figure is what keeps the two books equal. `estimate` is used only if
 * the key has no ledger row (a request that skipped admission): billed charges then log the
 * estimate, refunds 0.
 */
export function settleCharge(ledger: Ledger, key: string, charge: FailureCharge, reason: string, estimate: number, now: number = Date.now()): number {
  if (charge === 'possibly_billed') ledger.release(key, now);
  else if (charge === 'unusable') ledger.chargeUnusable(key, now);
  else ledger.refund(key, reason, now);
  return ledger.charged(key) ?? (charge === 'refund' ? 0 : estimate);
}
