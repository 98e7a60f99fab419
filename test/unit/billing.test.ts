// The billing rule (src/storage/billing.ts) on the errors the provider layer really throws, and its
// settlement of a real ledger: a 200 is billed, a relay's JSON error is not, no answer may be.
import { afterEach, describe, expect, it } from 'vitest';
import { classifyParsedResponse } from '../../src/providers/classify.js';
import {
  CancelledError,
  ContentPolicyError,
  MalformedResponseError,
  RelayBadRequestError,
  RelayTimeoutError,
  UpstreamError,
} from '../../src/providers/errors.js';
import { failureCharge, settleCharge } from '../../src/generation/billing.js';
import { Ledger, openDatabase, type Database } from '../../src/storage/index.js';

const handles: Database[] = [];
afterEach(() => {
  for (const db of handles.splice(0)) db.close();
});

describe('failureCharge', () => {
  it('bills every malformed 200: broken image, bad base64, an expired link, an undecodable image', () => {
    const answers = [
      new MalformedResponseError('The relay sent invalid base64 image data', { relay: 'r', status: 200 }),
      new MalformedResponseError('The relay sent a truncated png image', { relay: 'r', status: 200 }),
      // A download failure carries the link's status, not the relay's 200.
      new MalformedResponseError('The image link had expired', { relay: 'r', status: 404, code: 'image_url_expired' }),
      new MalformedResponseError('The image link redirected more than 5 times', { relay: 'r' }),
      new MalformedResponseError('The relay sent an image that cannot be decoded', { relay: 'r' }),
      classifyParsedResponse('r', { status: 200, headers: {}, text: '{"created":1}' }, { created: 1 }),
    ];
    for (const error of answers) expect(failureCharge(error, false), error.message).toBe('unusable');
  });

  it('refunds the relay’s own refusals and its redirect (no 200: nothing ran)', () => {
    const redirect = classifyParsedResponse('r', { status: 301, headers: { location: 'https://elsewhere/' }, text: '' }, undefined);
    expect(redirect.kind).toBe('malformed_response');
    for (const error of [redirect, new RelayBadRequestError('bad', { status: 400 }), new ContentPolicyError('no'), new UpstreamError('5xx')]) {
      expect(failureCharge(error, false), error.message).toBe('refund');
    }
    expect(failureCharge(undefined, false)).toBe('refund');
  });

  it('keeps a request with no answer as possibly billed: a timeout, or one we stopped mid-request', () => {
    expect(failureCharge(new RelayTimeoutError('cut'), false)).toBe('possibly_billed');
    expect(failureCharge(new CancelledError(), true)).toBe('possibly_billed');
    expect(failureCharge(undefined, true)).toBe('possibly_billed');
  });
});

describe('settleCharge', () => {
  it('settles the ledger and returns the cost it now charges, for the usage row', () => {
    const db = openDatabase(':memory:');
    handles.push(db);
    const ledger = new Ledger(db);
    const reserve = (key: string) => ledger.reserve({ key, guildId: '987654321098765432', userId: '1234567890123456789', images: 1, cost: 0.035, limits: {} });
    for (const key of ['u', 'p', 'r']) reserve(key);
    expect(settleCharge(ledger, 'u', 'unusable', 'malformed_response', 9)).toBeCloseTo(0.035, 9);
    expect(settleCharge(ledger, 'p', 'possibly_billed', 'timeout', 9)).toBeCloseTo(0.035, 9);
    expect(settleCharge(ledger, 'r', 'refund', 'bad_request', 9)).toBe(0);
    expect(ledger.get('r')).toMatchObject({ state: 'refunded', refundReason: 'bad_request' });
    // No ledger row (a request that skipped admission): the estimate for a billed charge, 0 for a refund.
    expect(settleCharge(ledger, 'none', 'unusable', 'malformed_response', 0.07)).toBe(0.07);
    expect(settleCharge(ledger, 'none', 'refund', 'bad_request', 0.07)).toBe(0);
  });
});
