// /gallery: `top` (every member: the server's most favoured images, paged) and the `settings` group
// (Manage Server, checked at run time: gallery channel, age-restricted gallery channel, who may
// share). Guild-only: a gallery belongs to a server.
import {
  ApplicationCommandOptionType,
  ApplicationIntegrationType,
  InteractionContextType,
  type ChatInputCommandInteraction,
} from 'discord.js';
import type { BotContext } from '../src/discord/context.js';
import { TOP_PERIODS } from '../src/discord/customIds.js';
import { PERIOD_LABELS } from '../src/i18n/galleryMessages.js';
import type { Localized } from '../src/i18n/locale.js';
import { commandJSON, readArguments } from './arguments.js';
import { gallerySettings, GallerySettingsDefinition } from './gallerySettings.js';
import { showTop } from './galleryTop.js';
import { describe, zhLocalizations } from './localize.js';
import { sub } from './options.js';
import type { SlashCommand } from './types.js';

const both = (en: string, zh: string): Localized => ({ en, zh });

const choice = <const V extends string>(value: V, label: Localized) => ({ name: label.en, name_localizations: zhLocalizations(label), value });

export const GalleryCommand = {
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
    GallerySettingsDefinition,
  ],
} as const;


export const gallery: SlashCommand = {
  name: GalleryCommand.name,

  definition() {
    return commandJSON(GalleryCommand);
  },

  async execute(ctx: BotContext, interaction: ChatInputCommandInteraction) {
    const args = readArguments(GalleryCommand, interaction);
    if (args.settings) await gallerySettings(ctx, interaction, args.settings);
    else await showTop(ctx, interaction, args.top?.period);
  },
};
