// /imagine-admin words add|remove|list: blocked words, phrases and /patterns/. PolicyStore checks
// each entry (unusable or risky regexes are refused with a reason) and normalises it, so "NSFW" and
// "n.s.f.w" are one entry.
import { AttachmentBuilder, EmbedBuilder } from 'discord.js';
import { adminText } from '../../src/i18n/adminMessages.js';
import { pick } from '../../src/i18n/locale.js';
import { code } from '../../src/moderation/messages.js';
import { announce, attempt, MAX_DESCRIPTION, reply, say } from './common.js';
import type { AdminHandlers } from './definition.js';

export const wordHandlers: AdminHandlers['words'] = {
  async add(call, { entry }) {
    const result = await attempt(call, () => call.ctx.policies.addBlockedWord(call.guildId, entry, call.actorId));
    if (!result.ok) return;
    const audit = result.value;
    if (audit?.action === 'word.add') {
      await say(call, adminText.wordAdded(code(audit.detail.entry), audit.detail.kind === 'regex'));
      await announce(call, audit);
    } else {
      await say(call, adminText.unchanged(adminText.wordExists(code(entry.trim()))));
    }
  },

  async remove(call, { entry }) {
    const result = await attempt(call, () => call.ctx.policies.removeBlockedWord(call.guildId, entry, call.actorId));
    if (!result.ok) return;
    const audit = result.value;
    if (audit?.action === 'word.remove') {
      await say(call, adminText.wordRemoved(code(audit.detail.entry)));
      await announce(call, audit);
    } else {
      await say(call, adminText.unchanged(adminText.wordMissing(code(entry.trim()))));
    }
  },

  async list(call) {
    const words = call.ctx.policies.listBlockedWords(call.guildId);
    if (words.length === 0) return say(call, adminText.wordsNone);
    const lines = words.map((word) => code(word.entry));
    const text = lines.join('\n');
    const embed = new EmbedBuilder().setTitle(pick(adminText.wordsTitle(words.length), call.locale));
    if (text.length <= MAX_DESCRIPTION) {
      await reply(call, { embeds: [embed.setDescription(text)] });
      return;
    }
    // Too long for an embed: the whole list as a text file, one entry per line.
    const file = new AttachmentBuilder(Buffer.from(`${words.map((word) => word.entry).join('\n')}\n`, 'utf8'), {
      name: `blocked-words-${call.guildId}.txt`,
    });
    await reply(call, { embeds: [embed.setDescription(pick(adminText.wordsAttached(words.length), call.locale))], files: [file] });
  },
};
