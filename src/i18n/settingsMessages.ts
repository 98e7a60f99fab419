// The wording of /settings: a member's own defaults and shortcuts, the server's style presets and
// prompt settings. English and Simplified Chinese.
import type { Localized } from './locale.js';

const both = (en: string, zh: string): Localized => ({ en, zh });
const onOff = (value: boolean | undefined): Localized => (value === undefined ? both('not set', '未设置') : value ? both('on', '开') : both('off', '关'));

export const settingsText = {
  title: both('⚙️ Your /imagine defaults', '⚙️ 你的 /imagine 默认设置'),
  intro: both(
    "Used when you leave an option out of /imagine; the command's own options and --parameters always win, and the server's policy still applies.",
    '在 /imagine 中未填写的选项将使用这些默认值;命令选项和 --参数 始终优先,服务器策略依然适用。',
  ),
  fieldModel: both('Model', '模型'),
  fieldSize: both('Size or ratio', '尺寸或比例'),
  fieldQuality: both('Quality', '质量'),
  fieldEnhance: both('Enhance prompts', '增强提示词'),
  fieldPrivate: both('Private results', '仅自己可见的结果'),
  fieldShortcuts: both('Shortcuts', '快捷参数'),
  notSet: both('not set', '未设置'),
  onOff,
  noShortcuts: both('none yet: /settings shortcut add', '暂无:使用 /settings shortcut add 添加'),
  nothingToSet: both('Choose at least one setting to change.', '请至少选择一项要修改的设置。'),
  saved: both('✅ Saved. /settings show lists your defaults.', '✅ 已保存。使用 /settings show 查看你的默认设置。'),
  resetDone: both('✅ Your defaults are cleared (your shortcuts are kept).', '✅ 已清除你的默认设置(快捷参数保留)。'),
  badModel: (p: { model: string; offered: string }) => both(`"${p.model}" is not a model this bot offers. Models: ${p.offered}.`, `“${p.model}”不是本机器人提供的模型。可用模型:${p.offered}。`),
  badSize: (p: { size: string }) =>
    both(`"${p.size}" is not a size: use WxH such as 1024x1536, a ratio such as 16:9, or auto.`, `“${p.size}”不是有效尺寸:请使用 WxH(如 1024x1536)、宽高比(如 16:9)或 auto。`),
  badQuality: (p: { quality: string; valid: string }) => both(`"${p.quality}" is not a quality. Qualities: ${p.valid}.`, `“${p.quality}”不是有效的质量。可选:${p.valid}。`),
  shortcutBadName: both(
    'A shortcut name is 1 to 32 letters, digits, - or _, and not a parameter /imagine already knows (such as ar, seed, no).',
    '快捷参数名须为 1 到 32 个字母、数字、- 或 _,且不能与 /imagine 已有的参数重名(如 ar、seed、no)。',
  ),
  shortcutAdded: (p: { name: string; value: string }) => both(`✅ --${p.name} now means: ${p.value}`, `✅ --${p.name} 现在表示:${p.value}`),
  shortcutReplaced: (p: { name: string; value: string }) => both(`✅ --${p.name} replaced; it now means: ${p.value}`, `✅ 已替换 --${p.name};现在表示:${p.value}`),
  shortcutLimit: (p: { limit: number }) => both(`You have ${p.limit} shortcuts, the most there can be: remove one first.`, `你已有 ${p.limit} 个快捷参数,已达上限:请先删除一个。`),
  shortcutRemoved: (p: { name: string }) => both(`✅ --${p.name} removed.`, `✅ 已删除 --${p.name}。`),
  shortcutUnknown: (p: { name: string }) => both(`You have no shortcut --${p.name}.`, `你没有名为 --${p.name} 的快捷参数。`),
  shortcutsTitle: both('Your shortcuts', '你的快捷参数'),
  needServer: both('Styles and server settings belong to a server: use this in one.', '风格和服务器设置属于服务器:请在服务器中使用。'),
  needManageGuild: both('Changing styles and server settings needs the Manage Server permission.', '修改风格和服务器设置需要“管理服务器”权限。'),
  styleBadName: both('A style name is 1 to 32 letters, digits, - or _.', '风格名须为 1 到 32 个字母、数字、- 或 _。'),
  styleEmpty: both('A style needs a prefix or a suffix.', '风格至少需要前缀或后缀之一。'),
  styleAdded: (p: { name: string }) => both(`✅ Style "${p.name}" saved: members can pick it with /imagine style:${p.name}.`, `✅ 已保存风格“${p.name}”:成员可用 /imagine style:${p.name} 选择。`),
  styleLimit: (p: { limit: number }) => both(`This server has ${p.limit} styles, the most there can be: remove one first.`, `本服务器已有 ${p.limit} 个风格,已达上限:请先删除一个。`),
  styleRemoved: (p: { name: string }) => both(`✅ Style "${p.name}" removed.`, `✅ 已删除风格“${p.name}”。`),
  styleUnknown: (p: { name: string }) => both(`There is no style "${p.name}" on this server.`, `本服务器没有名为“${p.name}”的风格。`),
  stylesTitle: both('🎨 Styles on this server', '🎨 本服务器的风格'),
  noStyles: both('No styles yet. Admins add them with /settings style add.', '还没有风格。管理员可用 /settings style add 添加。'),
  serverTitle: both('🛠️ Prompt settings of this server', '🛠️ 本服务器的提示词设置'),
  serverEnhance: both('Enhance prompts by default', '默认增强提示词'),
  serverTranslate: both('Translate enhanced prompts to English for FLUX', '增强时为 FLUX 翻译为英文'),
  serverSaved: both('✅ Server prompt settings saved.', '✅ 已保存服务器提示词设置。'),
};
