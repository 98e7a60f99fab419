// The moderation texts live in src/i18n/moderationMessages.ts; re-exported for the callers that read them here.
export { channelMention, code, moderationText, roleMention, userMention } from '../i18n/moderationMessages.js';
