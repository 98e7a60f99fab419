// /gallery settings show | channel [channel] | nsfw-channel [channel] | sharing who:requester|anyone.
// /imagine-admin already has Discord's maximum of 25 subcommands, so the gallery's settings live
// here. The command is visible to every member (for /gallery top), so Manage Server is checked at
// run time. Answers are private and in the admin's language; a change is announced in the log
// channel, in the server's language.
import { EmbedBuilder, MessageFlags, PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../src/discord/context.js';
import { postToLogChannel } from '../src/discord/logChannel.js';
import { channelNsfwFlag } from '../src/gallery/ageRestriction.js';
import { galleryText } from '../src/i18n/galleryMessages.js';
import { localeFromDiscord, pick, type Locale, type Localized } from '../src/i18n/locale.js';
import { channelMention } from '../src/moderation/messages.js';
import type { GallerySettings } from '../src/storage/index.js';

interface SettingsCall {
  ctx: BotContext;
  interaction: ChatInputCommandInteraction;
  guildId: string;
  locale: Locale;
}

const same = (value: string): Localized => ({ en: value, zh: value });
const channelValue = (id: string | null): Localized => (id ? same(channelMention(id)) : galleryText.notSet);
const whoValue = (anyone: boolean): Localized => (anyone ? galleryText.whoAnyone : galleryText.whoRequester);

async function say(call: SettingsCall, message: Localized): Promise<void> {
  const body = { content: pick(message, call.locale), allowedMentions: { parse: [] as [] } };
  if (call.interaction.deferred || call.interaction.replied) await call.interaction.editReply(body);
  else await call.interaction.reply({ ...body, flags: MessageFlags.Ephemeral });
}

/** The raw id of a channel option (no resolved channel object needed); null when left out. */
function channelOption(call: SettingsCall): string | null {
  const value = call.interaction.options.get('channel')?.value;
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Stores the change and announces it; false when nothing changed. */
async function apply(call: SettingsCall, patch: Partial<GallerySettings>, setting: Localized, value: Localized): Promise<boolean> {
  const { changed } = call.ctx.gallery.updateSettings(call.guildId, patch, call.interaction.user.id);
  if (!changed) {
    await say(call, galleryText.unchanged);
    return false;
  }
  const server = localeFromDiscord(call.interaction.guildLocale);
  const notice = pick(galleryText.logChange({ actor: `<@${call.interaction.user.id}>`, setting, value }), server);
  await postToLogChannel(call.ctx, call.interaction.client, call.guildId, { content: notice });
  return true;
}

async function show(call: SettingsCall): Promise<void> {
  const settings = call.ctx.gallery.settings(call.guildId);
  const { locale } = call;
  const embed = new EmbedBuilder().setTitle(pick(galleryText.settingsTitle, locale)).addFields(
    { name: pick(galleryText.settingChannel, locale), value: pick(channelValue(settings.channelId), locale) },
    { name: pick(galleryText.settingNsfwChannel, locale), value: pick(channelValue(settings.nsfwChannelId), locale) },
    { name: pick(galleryText.settingWhoShares, locale), value: pick(whoValue(settings.shareByAnyone), locale) },
  );
  await call.interaction.reply({ embeds: [embed], flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}

async function channel(call: SettingsCall): Promise<void> {
  const channelId = channelOption(call);
  if (channelId && !(await call.interaction.client.channels.fetch(channelId).catch(() => null))) return say(call, galleryText.channelUnknown);
  if (await apply(call, { channelId }, galleryText.settingChannel, channelValue(channelId))) {
    await say(call, channelId ? galleryText.channelSet(channelMention(channelId)) : galleryText.channelCleared);
  }
}

/** The age-restricted gallery must be an age-restricted channel: checked against Discord's own flag. */
async function nsfwChannel(call: SettingsCall): Promise<void> {
  const channelId = channelOption(call);
  if (channelId) {
    const found = await call.interaction.client.channels.fetch(channelId).catch(() => null);
    if (!found) return say(call, galleryText.channelUnknown);
    if (channelNsfwFlag(found) !== true) return say(call, galleryText.nsfwChannelMustBeRestricted(channelMention(channelId)));
  }
  if (await apply(call, { nsfwChannelId: channelId }, galleryText.settingNsfwChannel, channelValue(channelId))) {
    await say(call, channelId ? galleryText.nsfwChannelSet(channelMention(channelId)) : galleryText.nsfwChannelCleared);
  }
}

async function sharing(call: SettingsCall): Promise<void> {
  const anyone = call.interaction.options.getString('who') === 'anyone';
  if (await apply(call, { shareByAnyone: anyone }, galleryText.settingWhoShares, whoValue(anyone))) {
    await say(call, galleryText.sharingSet(whoValue(anyone)));
  }
}

const HANDLERS: Record<string, (call: SettingsCall) => Promise<void>> = { show, channel, 'nsfw-channel': nsfwChannel, sharing };

export async function gallerySettings(ctx: BotContext, interaction: ChatInputCommandInteraction, subcommand: string): Promise<void> {
  const locale = localeFromDiscord(interaction.locale);
  const guildId = interaction.guildId;
  const handler = HANDLERS[subcommand];
  // Administrator implies Manage Server (has() checks it by default).
  if (!guildId || interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) !== true || !handler) {
    await interaction.reply({ content: pick(galleryText.settingsNeedManageGuild, locale), flags: MessageFlags.Ephemeral });
    return;
  }
  // A change reads the channel and posts to the log channel: more than the 3 seconds an answer may wait.
  if (handler !== show) await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  await handler({ ctx, interaction, guildId, locale });
}
