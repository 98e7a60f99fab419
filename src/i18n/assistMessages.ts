// The wording of the chat model's services (/describe, enhance), style presets and the notes that
// say how a request was composed from a member's settings. English and Simplified Chinese.
import type { Localized } from './locale.js';

const both = (en: string, zh: string): Localized => ({ en, zh });

const FIELD_NAMES: Record<string, Localized> = {
  model: both('model', '模型'),
  size: both('size', '尺寸'),
  quality: both('quality', '质量'),
};

export const assistText = {
  commandDescribe: both('Describe', '描述'),
  chatUnavailable: both(
    'Describing images and enhancing prompts need a chat model, and this bot has none configured. Ask the bot operator to set IMAGE_CHAT_MODEL.',
    '图片描述和提示词增强需要聊天模型,但本机器人没有配置。请联系机器人管理员设置 IMAGE_CHAT_MODEL。',
  ),
  describeNoImage: both(
    'There is no image to describe here: attach a PNG, JPEG, WebP or GIF image (or use Describe on a message that has one). Nothing was charged.',
    '这里没有可描述的图片:请附上 PNG、JPEG、WebP 或 GIF 图片(或对带图片的消息使用"描述")。未产生任何费用。',
  ),
  describeTitle: both('🔎 Four prompts for this image', '🔎 这张图片的四个提示词'),
  describeFooter: (p: { model: string; cost: string }) =>
    both(`Described by ${p.model} · $${p.cost} · press a number to imagine it`, `由 ${p.model} 描述 · $${p.cost} · 点击数字按钮即可用该提示词生成`),
  describeEmpty: both('The chat model answered without any usable prompt.', '聊天模型的回答中没有可用的提示词。'),
  describeFailed: (p: { why: Localized; cost: string }) =>
    both(
      `❌ Could not describe the image: ${p.why.en}${p.cost === '0.000' ? ' Nothing was charged.' : ` The relay billed the call ($${p.cost}).`} Try again in a moment.`,
      `❌ 无法描述这张图片:${p.why.zh}${p.cost === '0.000' ? '未产生任何费用。' : `中转站已对此次调用计费($${p.cost})。`}请稍后再试。`,
    ),
  describeModalTitle: both('Imagine this prompt', '用这个提示词生成'),
  describeModalLabel: both('Prompt (edit it if you like)', '提示词(可以修改)'),
  describePromptGone: both('This description is no longer available: run /describe again.', '这条描述已不可用:请重新运行 /describe。'),
  chatFailedUnknown: both('the chat model did not answer.', '聊天模型没有回应。'),
  chatAnswerEmpty: both('the chat model answered with nothing usable.', '聊天模型的回答无法使用。'),
  enhanceRefused: both('the server cannot pay for it now.', '服务器目前无法支付这次调用。'),
  enhanced: (p: { model: string }) => both(`✨ Prompt enhanced by ${p.model} (Details shows what you typed).`, `✨ 提示词已由 ${p.model} 增强(“详情”中可查看原始输入)。`),
  enhancedNatively: both("✨ Prompt enhanced by the model's own prompt upsampling.", '✨ 已使用模型自带的提示词增强(prompt upsampling)。'),
  enhanceUnavailable: both(
    'Prompt enhancement is not available here (no chat model is configured and this model has no prompt upsampling): your prompt was sent as written.',
    '此处无法增强提示词(未配置聊天模型,且该模型不支持 prompt upsampling):已按原样发送你的提示词。',
  ),
  enhanceFailed: (p: { why: Localized }) =>
    both(`Prompt enhancement failed (${p.why.en.replace(/\.$/, '')}): your prompt was sent as written.`, `提示词增强失败(${p.why.zh.replace(/。$/, '')}):已按原样发送你的提示词。`),
  rewriteBlocked: both(
    'The enhanced prompt the chat model wrote contains a word this server blocks, so no image was made and the image was not charged (the enhancement itself was). Try again with --raw, or reword your prompt.',
    '聊天模型改写后的提示词包含本服务器屏蔽的词,因此未生成图片,图片也未扣费(提示词增强本身已计费)。请加上 --raw 重试,或换个说法。',
  ),
  styleApplied: (p: { name: string }) => both(`🎨 Style: ${p.name}`, `🎨 风格:${p.name}`),
  styleUnknown: (p: { name: string; list: string }) =>
    both(
      `There is no style "${p.name}" on this server.${p.list ? ` Styles: ${p.list}.` : ' This server has no styles yet.'} Nothing was charged.`,
      `本服务器没有名为“${p.name}”的风格。${p.list ? `可用风格:${p.list}。` : '本服务器还没有风格。'}未产生任何费用。`,
    ),
  defaultSkipped: (p: { field: string; value: string }) => {
    const name = FIELD_NAMES[p.field] ?? both(p.field, p.field);
    return both(
      `Your default ${name.en} "${p.value}" does not fit here (server policy or this model), so it was left out.`,
      `你的默认${name.zh}“${p.value}”在此不适用(服务器策略或该模型不支持),已忽略。`,
    );
  },
  fieldOriginalPrompt: both('You typed', '你的原始输入'),
};
