// /gallery settings show | channel [channel] | nsfw-channel [channel] | sharing who:requester|anyone.
// /imagine-admin already has Discord's maximum of 25 subcommands, so the gallery's settings live
// here. The command is visible to every member (for /gallery top), so Manage Server is checked at
// run time, as /imagine-admin checks it, and answers go through the same plumbing (private, in the
// admin's language, mentioning nobody). A change is audited like a policy change (GalleryStore
// writes the audit row with it; /imagine-admin audit lists it) and announced in the log channel, in
// the server's language.
import { EmbedBuilder, MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../src/discord/context.js';
import { postToLogChannel } from '../src/discord/logChannel.js';
import { channelNsfwFlag } from '../src/gallery/ageRestriction.js';
import { galleryText } from '../src/i18n/galleryMessages.js';
import { localeFromDiscord, pick, type Localized } from '../src/i18n/locale.js';
import { describeAuditEntry, describeGallerySetting } from '../src/moderation/auditText.js';
import { channelMention } from '../src/moderation/messages.js';
import type { GallerySettings } from '../src/storage/index.js';
import { adminCall, idOption, mayAdminister, reply, say, type AdminCall, type AdminHandler } from './imagineAdmin/common.js';

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

async function channel(call: AdminCall): Promise<void> {
  const channelId = idOption(call, 'channel');
  if (channelId && !(await call.interaction.client.channels.fetch(channelId).catch(() => null))) return say(call, galleryText.channelUnknown);
  if (await apply(call, { channelId })) {
    await say(call, channelId ? galleryText.channelSet(channelMention(channelId)) : galleryText.channelCleared);
  }
}

/** The age-restricted gallery must be an age-restricted channel: checked against Discord's own flag. */
async function nsfwChannel(call: AdminCall): Promise<void> {
  const channelId = idOption(call, 'channel');
  if (channelId) {
    const found = await call.interaction.client.channels.fetch(channelId).catch(() => null);
    if (!found) return say(call, galleryText.channelUnknown);
    if (channelNsfwFlag(found) !== true) return say(call, galleryText.nsfwChannelMustBeRestricted(channelMention(channelId)));
  }
  if (await apply(call, { nsfwChannelId: channelId })) {
    await say(call, channelId ? galleryText.nsfwChannelSet(channelMention(channelId)) : galleryText.nsfwChannelCleared);
  }
}

async function sharing(call: AdminCall): Promise<void> {
  const anyone = call.interaction.options.getString('who') === 'anyone';
  if (await apply(call, { shareByAnyone: anyone })) {
    await say(call, galleryText.sharingSet(whoValue(anyone)));
  }
}

const HANDLERS: Record<string, AdminHandler> = { show, channel, 'nsfw-channel': nsfwChannel, sharing };

export async function gallerySettings(ctx: BotContext, interaction: ChatInputCommandInteraction, subcommand: string): Promise<void> {
  const guildId = interaction.guildId;
  const handler = HANDLERS[subcommand];
  if (!guildId || !mayAdminister(interaction) || !handler) {
    const locale = localeFromDiscord(interaction.locale);
    await interaction.reply({ content: pick(galleryText.settingsNeedManageGuild, locale), flags: MessageFlags.Ephemeral });
    return;
  }
  // A change reads the channel and posts to the log channel: more than the 3 seconds an answer may wait.
  if (handler !== show) await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  await handler(adminCall(ctx, interaction, guildId));
}
