// The server policy as a service: moderation's rules over storage's rows (above both, below the
// generation core and discord/, which use it).
export { MAX_BLOCK_REASON_CHARS, MAX_BLOCKED_WORDS, PolicyService } from './policyService.js';
export type { AdmissionContext, ListEdit, PolicyServiceOptions, PolicyUpdate } from './policyService.js';
export { WordFilterCache } from './wordFilterCache.js';
