// A relay's reason for refusing a request is shown inside our sentence: its own full stop must not
// double ours ("…refused the request: Invalid size.. Change the options …").
import { describe, expect, it } from 'vitest';
import { explainError } from '../../src/i18n/errorMessages.js';
import { RelayBadRequestError } from '../../src/providers/errors.js';

describe('explainError: a relay’s reason', () => {
  it('ends in one full stop, in English and in Chinese', () => {
    const text = explainError(new RelayBadRequestError('x', { relayMessage: 'Invalid size.', requestId: 'req-1' }));
    expect(text.en).toContain('refused the request: Invalid size. Change the options');
    expect(text.en).not.toMatch(/\.\./);
    expect(text.zh).toContain(':Invalid size。请调整参数');
    expect(text.zh).not.toMatch(/\.。|。。/);
  });

  it('a Chinese reason with its own 。 is not doubled either; one without a stop gets ours', () => {
    expect(explainError(new RelayBadRequestError('x', { relayMessage: '尺寸无效。' })).zh).toContain(':尺寸无效。请调整参数');
    expect(explainError(new RelayBadRequestError('x', { relayMessage: '尺寸无效。' })).en).toContain(': 尺寸无效. Change');
    expect(explainError(new RelayBadRequestError('x', { relayMessage: 'Invalid size' })).en).toContain(': Invalid size. Change');
    expect(explainError(new RelayBadRequestError('x', {})).en).toMatch(/^The image service refused the request\. Change/);
  });
});
