// /history [model] [member]: the caller's recent images in this server (or in DMs), newest first,
// paged with Prev / Next, filterable by model; always private. Moderators (Manage Messages, the
// permission that lets them delete members' images) may look at a member's history in their
// server: checked at run time, on the command and again on every page turned.
import {
  ApplicationCommandOptionType,
  MessageFlags,
  PermissionFlagsBits,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
} from 'discord.js';
import type { BotContext } from '../src/discord/context.js';
import { HISTORY_PREFIX, historyPageId, parseHistoryPageId } from '../src/discord/customIds.js';
import { HISTORY_PAGE_SIZE, historyView } from '../src/gallery/historyView.js';
import { galleryText } from '../src/i18n/galleryMessages.js';
import { localeFromDiscord, pick, type Localized } from '../src/i18n/locale.js';
import { commandJSON, readArguments } from './arguments.js';
import { describe } from './localize.js';
import type { ButtonHandler, SlashCommand } from './types.js';

/** Keeps `hist:<page>:<member id>:<model>` within Discord's 100 characters. */
const MAX_MODEL_CHARS = 60;

type Viewer = ChatInputCommandInteraction | ButtonInteraction | AutocompleteInteraction;

/** Whether the viewer may see this member's history: their own always; another's in a server with Manage Messages. */
function mayView(interaction: Viewer, userId: string): Localized | undefined {
  if (userId === interaction.user.id) return undefined;
  if (!interaction.guildId) return galleryText.historyMemberNotInDm;
  return interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) === true ? undefined : galleryText.historyNeedsPermission;
}

/** Autocomplete reads the member as typed so far (the command itself gets it from its arguments). */
function memberOption(interaction: AutocompleteInteraction): string | null {
  const value = interaction.options.get('member')?.value;
  return typeof value === 'string' && value !== '' ? value : null;
}

function render(ctx: BotContext, interaction: Viewer, userId: string, model: string | null, page: number) {
  const guildId = interaction.guildId;
  const list = ctx.history.page({ userId, guildId, model, page, pageSize: HISTORY_PAGE_SIZE });
  return historyView({ list, userId, own: userId === interaction.user.id, model, guildId, locale: localeFromDiscord(interaction.locale) });
}

export const HistoryCommand = {
  name: 'history',
  name_localizations: { 'zh-CN': '历史', 'zh-TW': '歷史' },
  ...describe({ en: 'Your recent images, newest first (only you see the list)', zh: '你最近生成的图片,最新的在前(仅你可见)' }),
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'model',
      ...describe({ en: 'Only images made with this model', zh: '只看用此模型生成的图片' }),
      autocomplete: true,
      max_length: MAX_MODEL_CHARS,
    },
    {
      type: ApplicationCommandOptionType.User,
      name: 'member',
      ...describe({ en: 'Moderators: a member whose history to see (Manage Messages)', zh: '管理员:查看某位成员的历史(需要“管理消息”权限)' }),
    },
  ],
} as const;

export const history: SlashCommand = {
  name: HistoryCommand.name,

  definition() {
    return commandJSON(HistoryCommand);
  },

  async execute(ctx: BotContext, interaction: ChatInputCommandInteraction) {
    const args = readArguments(HistoryCommand, interaction);
    const locale = localeFromDiscord(interaction.locale);
    const refuse = (message: Localized) => interaction.reply({ content: pick(message, locale), flags: MessageFlags.Ephemeral });
    const userId = args.member ?? interaction.user.id;
    const refusal = mayView(interaction, userId);
    if (refusal) return void (await refuse(refusal));
    const model = args.model?.trim() || null;
    if (model && historyPageId(1, userId, model) === undefined) return void (await refuse(galleryText.historyModelTooLong));
    await interaction.reply({ ...render(ctx, interaction, userId, model, 1), flags: MessageFlags.Ephemeral });
  },

  /** The models in the history being looked at, not the whole catalog: those are the ones that filter. */
  async autocomplete(ctx: BotContext, interaction: AutocompleteInteraction) {
    const member = memberOption(interaction);
    const userId = member && !mayView(interaction, member) ? member : interaction.user.id;
    const typed = String(interaction.options.getFocused());
    const models = ctx.history.models(userId, interaction.guildId, typed).filter((model) => model.length <= MAX_MODEL_CHARS);
    await interaction.respond(models.map((model) => ({ name: model, value: model })));
  },
};

export const historyButtons: ButtonHandler = {
  prefix: HISTORY_PREFIX,

  async handle(ctx: BotContext, interaction: ButtonInteraction) {
    const locale = localeFromDiscord(interaction.locale);
    const parsed = parseHistoryPageId(interaction.customId);
    // Checked again: the list is private, but permissions may have changed since it was opened.
    const refusal = parsed ? mayView(interaction, parsed.userId) : galleryText.historyNeedsPermission;
    if (!parsed || refusal) {
      await interaction.reply({ content: pick(refusal ?? galleryText.historyNeedsPermission, locale), flags: MessageFlags.Ephemeral });
      return;
    }
    await interaction.update(render(ctx, interaction, parsed.userId, parsed.model, parsed.page));
  },
};
