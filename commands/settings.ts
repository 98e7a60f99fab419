// /settings: a member's own /imagine defaults (show, set, reset) and shortcuts (Midjourney's
// /prefer option: `--portrait` expanding to `--ar 2:3 --q high`), and a server's style presets and
// prompt settings. /imagine-admin is at Discord's 25 subcommands, so the server's prompt settings
// live here under `style` and `server`, with Manage Server checked at run time as /gallery settings
// does. Every answer is private; the member's defaults are theirs in every server.
import { ApplicationCommandOptionType, EmbedBuilder, MessageFlags, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import type { AppConfig } from '../src/config/index.js';
import { parseSize } from '../src/catalog/sizeSyntax.js';
import type { BotContext } from '../src/discord/context.js';
import { postToLogChannel } from '../src/discord/logChannel.js';
import { localeFromDiscord, pick, type Locale, type Localized } from '../src/i18n/locale.js';
import { settingsText } from '../src/i18n/settingsMessages.js';
import { validShortcutName } from '../src/prompt/shortcuts.js';
import type { MemberDefaults } from '../src/storage/index.js';
import { chooseSubcommand, commandJSON, readArguments, type SubcommandHandlers } from './arguments.js';
import { mayAdminister } from './imagineAdmin/common.js';
import { describe } from './localize.js';
import { group, sub } from './options.js';
import type { SlashCommand } from './types.js';

const both = (en: string, zh: string): Localized => ({ en, zh });
const NAME = /^[a-z0-9_-]{1,32}$/;
/** A shortcut or a style is a few words and parameters, not a second prompt. */
const MAX_VALUE = 300;
const MAX_CHOICES = 25;

const nameOption = (text: Localized) => ({ type: ApplicationCommandOptionType.String, name: 'name', ...describe(text), required: true, max_length: 32, autocomplete: true }) as const;

export const SettingsCommand = {
  name: 'settings',
  name_localizations: { 'zh-CN': '设置', 'zh-TW': '設定' },
  ...describe(both('Your /imagine defaults and shortcuts; the server’s styles', '你的 /imagine 默认设置与快捷参数;服务器风格')),
  options: [
    sub('show', both('Show your defaults and shortcuts', '查看你的默认设置和快捷参数')),
    sub('set', both('Set your defaults (options and --parameters of /imagine still win)', '设置默认值(/imagine 的选项和 --参数 仍然优先)'), [
      { type: ApplicationCommandOptionType.String, name: 'model', ...describe(both('Default model', '默认模型')), autocomplete: true, max_length: 100 },
      { type: ApplicationCommandOptionType.String, name: 'size', ...describe(both('Default size WxH or ratio (1024x1536, 16:9)', '默认尺寸 WxH 或比例(1024x1536、16:9)')), max_length: 20 },
      { type: ApplicationCommandOptionType.String, name: 'quality', ...describe(both('Default quality (low, medium, high, auto)', '默认质量(low、medium、high、auto)')), max_length: 20 },
      { type: ApplicationCommandOptionType.Boolean, name: 'enhance', ...describe(both('Enhance your prompts with the chat model', '用聊天模型增强你的提示词')) },
      { type: ApplicationCommandOptionType.Boolean, name: 'private', ...describe(both('Show your results only to you', '结果仅自己可见')) },
    ]),
    sub('reset', both('Clear your defaults (shortcuts stay)', '清除你的默认设置(保留快捷参数)')),
    group('shortcut', both('Your --shortcuts', '你的 --快捷参数'), [
      sub('add', both('Add or replace a shortcut, e.g. portrait = --ar 2:3 --q high', '添加或替换快捷参数,如 portrait = --ar 2:3 --q high'), [
        { type: ApplicationCommandOptionType.String, name: 'name', ...describe(both('Its name, used as --name', '名称,用法为 --名称')), required: true, max_length: 32 },
        { type: ApplicationCommandOptionType.String, name: 'value', ...describe(both('What it expands to', '展开后的内容')), required: true, max_length: MAX_VALUE },
      ]),
      sub('remove', both('Remove a shortcut', '删除快捷参数'), [nameOption(both('The shortcut', '快捷参数'))]),
      sub('list', both('List your shortcuts', '列出你的快捷参数')),
    ]),
    group('style', both('The server’s style presets', '服务器的风格预设'), [
      sub('add', both('Add or replace a style (Manage Server)', '添加或替换风格(需要“管理服务器”权限)'), [
        { type: ApplicationCommandOptionType.String, name: 'name', ...describe(both('Its name', '名称')), required: true, max_length: 32 },
        { type: ApplicationCommandOptionType.String, name: 'prefix', ...describe(both('Put before the prompt', '放在提示词前面')), max_length: MAX_VALUE },
        { type: ApplicationCommandOptionType.String, name: 'suffix', ...describe(both('Put after the prompt', '放在提示词后面')), max_length: MAX_VALUE },
        { type: ApplicationCommandOptionType.String, name: 'model', ...describe(both('Model to use unless the member picks one', '成员未指定时使用的模型')), autocomplete: true, max_length: 100 },
        { type: ApplicationCommandOptionType.String, name: 'size', ...describe(both('Size or ratio unless the member picks one', '成员未指定时使用的尺寸或比例')), max_length: 20 },
      ]),
      sub('remove', both('Remove a style (Manage Server)', '删除风格(需要“管理服务器”权限)'), [nameOption(both('The style', '风格'))]),
      sub('list', both('List the styles', '列出风格')),
    ]),
    group('server', both('The server’s prompt settings (Manage Server)', '服务器提示词设置(需要“管理服务器”权限)'), [
      sub('show', both('Show them', '查看')),
      sub('set', both('Change them', '修改'), [
        { type: ApplicationCommandOptionType.Boolean, name: 'enhance', ...describe(both('Enhance every prompt unless the member says --raw', '默认增强所有提示词(成员可用 --raw 关闭)')) },
        { type: ApplicationCommandOptionType.Boolean, name: 'translate', ...describe(both('Enhanced prompts for FLUX in English', '为 FLUX 增强时翻译为英文')) },
      ]),
    ]),
  ],
} as const;

interface Call {
  ctx: BotContext;
  interaction: ChatInputCommandInteraction;
  locale: Locale;
  userId: string;
}

async function answer(call: Call, message: Localized | { embeds: EmbedBuilder[] }): Promise<void> {
  const body = 'embeds' in message ? message : { content: pick(message, call.locale) };
  await call.interaction.reply({ ...body, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}

/** What is wrong with a default, checked against what the bot offers; undefined when it is usable somewhere. */
function checkDefaults(ctx: BotContext, patch: MemberDefaults): Localized | undefined {
  if (patch.model !== undefined) {
    try {
      ctx.pipeline.resolveModel(patch.model);
    } catch {
      return settingsText.badModel({ model: patch.model, offered: ctx.pipeline.offeredModels.map((m) => m.id).join(', ') });
    }
  }
  if (patch.size !== undefined && !parseSize(patch.size)) return settingsText.badSize({ size: patch.size });
  if (patch.quality !== undefined) {
    const valid = [...new Set(ctx.pipeline.offeredModels.flatMap((m) => m.qualities ?? []))];
    if (!valid.includes(patch.quality.toLowerCase())) return settingsText.badQuality({ quality: patch.quality, valid: valid.join(', ') });
  }
  return undefined;
}

function defaultsEmbed(ctx: BotContext, call: Call): EmbedBuilder {
  const { locale } = call;
  const defaults = ctx.memberSettings.get(call.userId);
  const shortcuts = ctx.memberSettings.shortcuts(call.userId);
  const value = (text: string | undefined) => text ?? pick(settingsText.notSet, locale);
  return new EmbedBuilder()
    .setTitle(pick(settingsText.title, locale))
    .setDescription(pick(settingsText.intro, locale))
    .addFields(
      { name: pick(settingsText.fieldModel, locale), value: value(defaults.model), inline: true },
      { name: pick(settingsText.fieldSize, locale), value: value(defaults.size), inline: true },
      { name: pick(settingsText.fieldQuality, locale), value: value(defaults.quality), inline: true },
      { name: pick(settingsText.fieldEnhance, locale), value: pick(settingsText.onOff(defaults.enhance), locale), inline: true },
      { name: pick(settingsText.fieldPrivate, locale), value: pick(settingsText.onOff(defaults.private), locale), inline: true },
      { name: pick(settingsText.fieldShortcuts, locale), value: shortcutLines(shortcuts) || pick(settingsText.noShortcuts, locale) },
    );
}

function shortcutLines(shortcuts: ReadonlyArray<{ name: string; value: string }>): string {
  return shortcuts
    .map((shortcut) => `\`--${shortcut.name}\` → ${shortcut.value}`)
    .join('\n')
    .slice(0, 1024);
}

/** Styles and server settings: in a server, by a member with Manage Server; says why not otherwise. */
async function asAdmin(call: Call, run: (guildId: string) => Promise<void>): Promise<void> {
  const guildId = call.interaction.guildId;
  if (!guildId) return answer(call, settingsText.needServer);
  if (!mayAdminister(call.interaction)) return answer(call, settingsText.needManageGuild);
  await run(guildId);
}

/** Announces an admin's change in the server's log channel, in the server's language. */
async function announce(call: Call, guildId: string, message: Localized): Promise<void> {
  const server = localeFromDiscord(call.interaction.guildLocale);
  await postToLogChannel(call.ctx, call.interaction.client, guildId, { content: `<@${call.userId}>: ${pick(message, server)}` });
}

const HANDLERS: SubcommandHandlers<typeof SettingsCommand, Call> = {
  show: (call) => answer(call, { embeds: [defaultsEmbed(call.ctx, call)] }),

  async set(call, args) {
    const patch: MemberDefaults = Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined));
    if (Object.keys(patch).length === 0) return answer(call, settingsText.nothingToSet);
    const problem = checkDefaults(call.ctx, patch);
    if (problem) return answer(call, problem);
    call.ctx.memberSettings.set(call.userId, patch);
    await answer(call, { embeds: [defaultsEmbed(call.ctx, call).setTitle(pick(settingsText.saved, call.locale))] });
  },

  async reset(call) {
    call.ctx.memberSettings.reset(call.userId);
    await answer(call, settingsText.resetDone);
  },

  shortcut: {
    async add(call, { name, value }) {
      const key = name.trim().replace(/^-+/, '').toLowerCase();
      if (!validShortcutName(key)) return answer(call, settingsText.shortcutBadName);
      const outcome = call.ctx.memberSettings.addShortcut(call.userId, key, value.trim());
      if (outcome === 'limit') return answer(call, settingsText.shortcutLimit({ limit: MAX_CHOICES }));
      await answer(call, (outcome === 'replaced' ? settingsText.shortcutReplaced : settingsText.shortcutAdded)({ name: key, value: value.trim() }));
    },
    async remove(call, { name }) {
      const key = name.trim().replace(/^-+/, '').toLowerCase();
      const removed = call.ctx.memberSettings.removeShortcut(call.userId, key);
      await answer(call, removed ? settingsText.shortcutRemoved({ name: key }) : settingsText.shortcutUnknown({ name: key }));
    },
    async list(call) {
      const lines = shortcutLines(call.ctx.memberSettings.shortcuts(call.userId));
      await answer(call, { embeds: [new EmbedBuilder().setTitle(pick(settingsText.shortcutsTitle, call.locale)).setDescription(lines || pick(settingsText.noShortcuts, call.locale))] });
    },
  },

  style: {
    add: (call, args) =>
      asAdmin(call, async (guildId) => {
        const name = args.name.trim().toLowerCase();
        if (!NAME.test(name)) return answer(call, settingsText.styleBadName);
        const prefix = args.prefix?.trim() ?? '';
        const suffix = args.suffix?.trim() ?? '';
        if (!prefix && !suffix) return answer(call, settingsText.styleEmpty);
        const problem = checkDefaults(call.ctx, { ...(args.model ? { model: args.model } : {}), ...(args.size ? { size: args.size } : {}) });
        if (problem) return answer(call, problem);
        const model = args.model ? call.ctx.pipeline.resolveModel(args.model).id : null;
        const outcome = call.ctx.styles.upsert({ guildId, name, prefix, suffix, model, size: args.size ?? null, createdBy: call.userId, createdAt: Date.now() });
        if (outcome === 'limit') return answer(call, settingsText.styleLimit({ limit: MAX_CHOICES }));
        await answer(call, settingsText.styleAdded({ name }));
        await announce(call, guildId, settingsText.styleAdded({ name }));
      }),
    remove: (call, { name }) =>
      asAdmin(call, async (guildId) => {
        const key = name.trim().toLowerCase();
        if (!call.ctx.styles.remove(guildId, key, call.userId)) return answer(call, settingsText.styleUnknown({ name: key }));
        await answer(call, settingsText.styleRemoved({ name: key }));
        await announce(call, guildId, settingsText.styleRemoved({ name: key }));
      }),
    async list(call) {
      const guildId = call.interaction.guildId;
      if (!guildId) return answer(call, settingsText.needServer);
      const lines = call.ctx.styles.list(guildId).map((preset) => {
        const extras = [preset.model, preset.size].filter(Boolean).join(', ');
        return `**${preset.name}**: ${[preset.prefix, '…', preset.suffix].filter(Boolean).join(' ')}${extras ? ` (${extras})` : ''}`;
      });
      const description = lines.join('\n').slice(0, 4000) || pick(settingsText.noStyles, call.locale);
      await answer(call, { embeds: [new EmbedBuilder().setTitle(pick(settingsText.stylesTitle, call.locale)).setDescription(description)] });
    },
  },

  server: {
    show: (call) => asAdmin(call, (guildId) => answer(call, { embeds: [serverEmbed(call, guildId)] })),
    set: (call, args) =>
      asAdmin(call, async (guildId) => {
        const patch = { ...(args.enhance === undefined ? {} : { enhanceDefault: args.enhance }), ...(args.translate === undefined ? {} : { translateForFlux: args.translate }) };
        if (Object.keys(patch).length === 0) return answer(call, settingsText.nothingToSet);
        call.ctx.promptSettings.set(guildId, patch, call.userId);
        await answer(call, { embeds: [serverEmbed(call, guildId).setTitle(pick(settingsText.serverSaved, call.locale))] });
        await announce(call, guildId, settingsText.serverSaved);
      }),
  },
};

function serverEmbed(call: Call, guildId: string): EmbedBuilder {
  const settings = call.ctx.promptSettings.get(guildId);
  const { locale } = call;
  return new EmbedBuilder()
    .setTitle(pick(settingsText.serverTitle, locale))
    .addFields(
      { name: pick(settingsText.serverEnhance, locale), value: pick(settingsText.onOff(settings.enhanceDefault), locale), inline: true },
      { name: pick(settingsText.serverTranslate, locale), value: pick(settingsText.onOff(settings.translateForFlux), locale), inline: true },
    );
}

export const settings: SlashCommand = {
  name: SettingsCommand.name,

  definition(_config: AppConfig) {
    return commandJSON(SettingsCommand);
  },

  async execute(ctx: BotContext, interaction: ChatInputCommandInteraction) {
    const chosen = chooseSubcommand(HANDLERS, readArguments(SettingsCommand, interaction));
    if (!chosen) return;
    await chosen.run({ ctx, interaction, locale: localeFromDiscord(interaction.locale), userId: interaction.user.id });
  },

  /** Model names, the member's shortcuts, the server's styles. */
  async autocomplete(ctx: BotContext, interaction: AutocompleteInteraction) {
    const focused = interaction.options.getFocused(true);
    const typed = String(focused.value).trim().toLowerCase();
    const group = interaction.options.getSubcommandGroup(false);
    let values: string[] = [];
    if (focused.name === 'model') values = ctx.pipeline.offeredModels.map((model) => model.id);
    else if (group === 'shortcut') values = ctx.memberSettings.shortcuts(interaction.user.id).map((shortcut) => shortcut.name);
    else if (group === 'style' && interaction.guildId) values = ctx.styles.list(interaction.guildId).map((preset) => preset.name);
    const matches = values.filter((value) => value.toLowerCase().includes(typed)).slice(0, MAX_CHOICES);
    await interaction.respond(matches.map((value) => ({ name: value, value })));
  },
};
