// /gallery settings show | channel [channel] | nsfw-channel [channel] | sharing who:requester|anyone.
// /imagine-admin already has Discord's maximum of 25 subcommands, so the gallery's settings live
// here. The command is visible to every member (for /gallery top), so Manage Server is checked at
// run time, as /imagine-admin checks it, and answers go through the same plumbing (private, in the
// admin's language, mentioning nobody). A change is audited like a policy change (GalleryStore
// writes the audit row with it; /imagine-admin audit lists it) and announced in the log channel, in
// the server's language.
import { ApplicationCommandOptionType, ChannelType, EmbedBuilder, MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../src/discord/context.js';
import { postToLogChannel } from '../src/discord/logChannel.js';
import { channelNsfwFlag } from '../src/gallery/ageRestriction.js';
import { galleryText } from '../src/i18n/galleryMessages.js';
import { localeFromDiscord, pick, type Localized } from '../src/i18n/locale.js';
import { describeAuditEntry, describeGallerySetting } from '../src/moderation/auditText.js';
import { channelMention } from '../src/moderation/messages.js';
import type { GallerySettings } from '../src/storage/index.js';
import { chooseSubcommand, type ArgumentsOf, type SubcommandHandlers } from './arguments.js';
import { adminCall, mayAdminister, reply, say, type AdminCall } from './imagineAdmin/common.js';
import { describe, zhLocalizations } from './localize.js';
import { group, sub } from './options.js';

const both = (en: string, zh: string): Localized => ({ en, zh });
/** Where the bot can post gallery posts. */
const GALLERY_CHANNEL_TYPES = [ChannelType.GuildText, ChannelType.GuildAnnouncement] as const;
const choice = <const V extends string>(value: V, label: Localized) => ({ name: label.en, name_localizations: zhLocalizations(label), value });

function channelOption(text: Localized) {
  return { type: ApplicationCommandOptionType.Channel, name: 'channel', ...describe(text), required: false, channel_types: GALLERY_CHANNEL_TYPES } as const;
}

/** The `settings` group of /gallery (gallery.ts lists it), whose subcommands are handled here. */
export const GallerySettingsDefinition = group('settings', both('Gallery settings (Manage Server)', '画廊设置(需要“管理服务器”权限)'), [
      sub('show', both('Show the gallery settings', '查看画廊设置')),
      sub('channel', both('Set the gallery channel (leave empty to turn sharing off)', '设置画廊频道(留空则关闭分享)'), [
        channelOption(both('The gallery channel', '画廊频道')),
      ]),
      sub('nsfw-channel', both('Set the age-restricted gallery (leave empty to clear)', '设置年龄限制画廊(留空则清除)'), [
        channelOption(both('An age-restricted channel', '一个年龄限制频道')),
      ]),
      sub('sharing', both('Who may share an image to the gallery', '谁可以把图片分享到画廊'), [
        {
          type: ApplicationCommandOptionType.String,
          name: 'who',
          ...describe(both('Only the member who made it, or anyone', '只有生成者,或任何人')),
          required: true,
          choices: [choice('requester', both('The member who made the image', '图片的生成者')), choice('anyone', both('Any member', '任何成员'))],
        },
      ]),
    ]);
type GallerySettingsGroup = typeof GallerySettingsDefinition;

const channelValue = (id: string | null): Localized => describeGallerySetting('channelId', id);
const whoValue = (anyone: boolean): Localized => describeGallerySetting('shareByAnyone', anyone);

/** Stores and audits the change, and announces it; false when nothing changed. */
async function apply(call: AdminCall, patch: Partial<GallerySettings>): Promise<boolean> {
  const { changed, audit } = call.ctx.gallery.updateSettings(call.guildId, patch, call.actorId);
  if (!changed || !audit) {
    await say(call, galleryText.unchanged);
    return false;
  }
  const server = localeFromDiscord(call.interaction.guildLocale);
  await postToLogChannel(call.ctx, call.interaction.client, call.guildId, { content: pick(describeAuditEntry(audit), server) });
  return true;
}

async function show(call: AdminCall): Promise<void> {
  const settings = call.ctx.gallery.settings(call.guildId);
  const { locale } = call;
  const embed = new EmbedBuilder().setTitle(pick(galleryText.settingsTitle, locale)).addFields(
    { name: pick(galleryText.settingChannel, locale), value: pick(channelValue(settings.channelId), locale) },
    { name: pick(galleryText.settingNsfwChannel, locale), value: pick(channelValue(settings.nsfwChannelId), locale) },
    { name: pick(galleryText.settingWhoShares, locale), value: pick(whoValue(settings.shareByAnyone), locale) },
  );
  await reply(call, { embeds: [embed] });
}

const HANDLERS: SubcommandHandlers<GallerySettingsGroup, AdminCall> = {
  show,

  async channel(call, { channel: channelId = null }) {
    if (channelId && !(await call.interaction.client.channels.fetch(channelId).catch(() => null))) return say(call, galleryText.channelUnknown);
    if (await apply(call, { channelId })) {
      await say(call, channelId ? galleryText.channelSet(channelMention(channelId)) : galleryText.channelCleared);
    }
  },

  /** The age-restricted gallery must be an age-restricted channel: checked against Discord's own flag. */
  async 'nsfw-channel'(call, { channel: channelId = null }) {
    if (channelId) {
      const found = await call.interaction.client.channels.fetch(channelId).catch(() => null);
      if (!found) return say(call, galleryText.channelUnknown);
      if (channelNsfwFlag(found) !== true) return say(call, galleryText.nsfwChannelMustBeRestricted(channelMention(channelId)));
    }
    if (await apply(call, { nsfwChannelId: channelId })) {
      await say(call, channelId ? galleryText.nsfwChannelSet(channelMention(channelId)) : galleryText.nsfwChannelCleared);
    }
  },

  async sharing(call, { who }) {
    const anyone = who === 'anyone';
    if (await apply(call, { shareByAnyone: anyone })) {
      await say(call, galleryText.sharingSet(whoValue(anyone)));
    }
  },
};

export async function gallerySettings(ctx: BotContext, interaction: ChatInputCommandInteraction, args: ArgumentsOf<GallerySettingsGroup>): Promise<void> {
  const guildId = interaction.guildId;
  const chosen = chooseSubcommand(HANDLERS, args);
  if (!guildId || !mayAdminister(interaction) || !chosen) {
    const locale = localeFromDiscord(interaction.locale);
    await interaction.reply({ content: pick(galleryText.settingsNeedManageGuild, locale), flags: MessageFlags.Ephemeral });
    return;
  }
  // A change reads the channel and posts to the log channel: more than the 3 seconds an answer may wait.
  if (chosen.handler !== show) await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  await chosen.run(adminCall(ctx, interaction, guildId));
}
