// /gallery: `top` (every member: the server's most favoured images, paged) and the `settings` group
// (Manage Server, checked at run time: gallery channel, age-restricted gallery channel, who may
// share). Guild-only: a gallery belongs to a server.
import {
  ApplicationCommandOptionType,
  ApplicationIntegrationType,
  ChannelType,
  InteractionContextType,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandOption,
  type ChatInputCommandInteraction,
} from 'discord.js';
import type { BotContext } from '../src/discord/context.js';
import { TOP_PERIODS } from '../src/discord/customIds.js';
import { PERIOD_LABELS } from '../src/i18n/galleryMessages.js';
import type { Localized } from '../src/i18n/locale.js';
import { gallerySettings } from './gallerySettings.js';
import { showTop } from './galleryTop.js';
import { describe, zhLocalizations } from './localize.js';
import type { SlashCommand } from './types.js';

const both = (en: string, zh: string): Localized => ({ en, zh });
/** Where the bot can post gallery posts. */
const GALLERY_CHANNEL_TYPES = [ChannelType.GuildText, ChannelType.GuildAnnouncement];

const choice = (value: string, label: Localized) => ({ name: label.en, name_localizations: zhLocalizations(label), value });

function sub(name: string, text: Localized, options: APIApplicationCommandBasicOption[] = []): APIApplicationCommandSubcommandOption {
  return { type: ApplicationCommandOptionType.Subcommand, name, ...describe(text), ...(options.length ? { options } : {}) };
}

function channelOption(text: Localized): APIApplicationCommandBasicOption {
  return { type: ApplicationCommandOptionType.Channel, name: 'channel', ...describe(text), required: false, channel_types: GALLERY_CHANNEL_TYPES } as APIApplicationCommandBasicOption;
}

export const gallery: SlashCommand = {
  name: 'gallery',

  definition() {
    return {
      name: 'gallery',
      name_localizations: { 'zh-CN': '画廊', 'zh-TW': '畫廊' },
      ...describe(both('The server’s image gallery: most favoured images, and its settings', '服务器图片画廊:最受喜爱的图片及画廊设置')),
      contexts: [InteractionContextType.Guild],
      integration_types: [ApplicationIntegrationType.GuildInstall],
      options: [
        sub('top', both('The most favoured images of the week, month or all time', '本周、本月或全部时间最受喜爱的图片'), [
          {
            type: ApplicationCommandOptionType.String,
            name: 'period',
            ...describe(both('Which period (default: last 7 days)', '时间段(默认:最近 7 天)')),
            choices: TOP_PERIODS.map((period) => choice(period, PERIOD_LABELS[period])),
          },
        ]),
        {
          type: ApplicationCommandOptionType.SubcommandGroup,
          name: 'settings',
          ...describe(both('Gallery settings (Manage Server)', '画廊设置(需要“管理服务器”权限)')),
          options: [
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
                choices: [
                  choice('requester', both('The member who made the image', '图片的生成者')),
                  choice('anyone', both('Any member', '任何成员')),
                ],
              },
            ]),
          ],
        },
      ],
    };
  },

  async execute(ctx: BotContext, interaction: ChatInputCommandInteraction) {
    const group = interaction.options.getSubcommandGroup(false);
    const subcommand = interaction.options.getSubcommand(false) ?? '';
    if (group === 'settings') await gallerySettings(ctx, interaction, subcommand);
    else await showTop(ctx, interaction);
  },
};
