// /imagine-admin audit: the latest admin changes, newest first, worded as in the log channel.
import { EmbedBuilder } from 'discord.js';
import { adminText } from '../../src/i18n/adminMessages.js';
import { pick } from '../../src/i18n/locale.js';
import { describeAuditEntry } from '../../src/moderation/auditText.js';
import { discordTime, joinLines, MAX_DESCRIPTION, reply } from './common.js';
import { DEFAULT_AUDIT_ENTRIES, MAX_AUDIT_ENTRIES, type AdminHandlers } from './definition.js';

export const audit: AdminHandlers['audit'] = async (call, args) => {
  const count = Math.min(MAX_AUDIT_ENTRIES, args.count ?? DEFAULT_AUDIT_ENTRIES);
  const entries = call.ctx.audit.recent(call.guildId, count);
  const embed = new EmbedBuilder().setTitle(pick(adminText.auditTitle, call.locale));
  const lines = entries.map((entry) => `${discordTime(entry.at, 'R')} ${pick(describeAuditEntry(entry), call.locale)}`);
  embed.setDescription(lines.length ? joinLines(lines, MAX_DESCRIPTION, call.locale, '\n\n') : pick(adminText.auditNone, call.locale));
  await reply(call, { embeds: [embed] });
};
