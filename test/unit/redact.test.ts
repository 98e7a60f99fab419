import { describe, expect, it } from 'vitest';
import { redact, registerSecret } from '../../src/providers/redact.js';

describe('redact', () => {
  it('removes registered keys and anything shaped like a key', () => {
    registerSecret('custom-secret-value-123');
    const text = redact('key custom-secret-value-123 and sk-abcdefghijklmnop and Bearer abc.def.ghi.jkl');
    expect(text).not.toContain('custom-secret-value-123');
    expect(text).not.toContain('sk-abcdefghijklmnop');
    expect(text).not.toContain('abc.def.ghi.jkl');
    expect(text).toContain('[redacted]');
  });
});
