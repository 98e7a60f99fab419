// /imagine: prompt, model, size, quality, seed, safety_tolerance (CONTRACT.md), plus count, enhance,
// style, and the attachments `image` … `image4`, which make the request an edit of those images.
// The command only declares; the member's request is composed (options, --parameters, shortcuts,
// the style, their /settings defaults) and admitted by src/discord/memberImagine.ts: input is
// checked before the deferral and before anything is spent, and the work happens after it.
import {
  ApplicationCommandOptionType,
  type APIApplicationCommandOptionChoice,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
} from 'discord.js';
import type { AppConfig } from '../src/config/index.js';
import { sizeChoices } from '../src/catalog/sizes.js';
import { parseSize } from '../src/catalog/sizeSyntax.js';
import type { ModelSpec } from '../src/catalog/types.js';
import type { BotContext } from '../src/discord/context.js';
import { attachmentInput } from '../src/discord/inputRequest.js';
import { imagineFor } from '../src/discord/memberImagine.js';
import { commandJSON, readArguments } from './arguments.js';
import { describe, zhLocalizations } from './localize.js';
import type { SlashCommand } from './types.js';

const MAX_CHOICES = 25;
/** Attachment options: `image`, `image2` … FLUX.2 reads up to 8 and GPT image 16, but four fit a command comfortably. */
const IMAGE_OPTIONS = ['image', 'image2', 'image3', 'image4'] as const;

function modelChoice(model: ModelSpec): APIApplicationCommandOptionChoice<string> {
  const label = (description: string) => `${model.id} — ${description}`.slice(0, 100);
  return { name: label(model.description.en), name_localizations: zhLocalizations({ en: '', zh: label(model.description.zh) }), value: model.id };
}

/** /imagine as data; the model option's description and choices come from the configuration (modelField). */
export const ImagineCommand = {
  name: 'imagine',
  name_localizations: { 'zh-CN': '画图', 'zh-TW': '畫圖' },
  ...describe({ en: 'Generate an image from a text prompt', zh: '根据文字描述生成图片' }),
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'prompt',
      ...describe({ en: 'What to draw (Midjourney-style --ar 16:9 --seed 42 work too)', zh: '要画的内容(也支持 --ar 16:9 --seed 42 等参数)' }),
      required: true,
      max_length: 6000,
    },
    // Its description names the default model and its choices are the offered ones: modelField(config).
    { type: ApplicationCommandOptionType.String, name: 'model' },
    {
      type: ApplicationCommandOptionType.String,
      name: 'size',
      ...describe({ en: 'Size WxH (1024x1536) or aspect ratio (16:9)', zh: '尺寸 WxH(如 1024x1536)或宽高比(如 16:9)' }),
      autocomplete: true,
      max_length: 20,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'quality',
      ...describe({ en: 'Quality (GPT image models: low, medium, high, auto)', zh: '质量(GPT 图像模型:low、medium、high、auto)' }),
      autocomplete: true,
      max_length: 20,
    },
    {
      type: ApplicationCommandOptionType.Integer,
      name: 'seed',
      ...describe({ en: 'Seed for reproducible results (FLUX models)', zh: '随机种子,用于复现结果(FLUX 模型)' }),
      min_value: 0,
      max_value: 4_294_967_295,
    },
    {
      type: ApplicationCommandOptionType.Integer,
      name: 'safety_tolerance',
      ...describe({ en: 'Safety tolerance 0 (strictest) to 6; the server policy caps it', zh: '安全容忍度 0(最严格)到 6;受服务器策略限制' }),
      min_value: 0,
      max_value: 6,
    },
    {
      type: ApplicationCommandOptionType.Integer,
      name: 'count',
      ...describe({ en: 'Number of images (models that allow several)', zh: '图片数量(支持多张的模型)' }),
      min_value: 1,
      max_value: 10,
    },
    {
      type: ApplicationCommandOptionType.Boolean,
      name: 'enhance',
      ...describe({ en: 'Let the chat model write a more detailed prompt from yours (also --enhance / --raw)', zh: '让聊天模型把你的提示词扩写得更详细(也可用 --enhance / --raw)' }),
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'style',
      ...describe({ en: "One of this server's style presets", zh: '本服务器的风格预设之一' }),
      autocomplete: true,
      max_length: 32,
    },
    ...IMAGE_OPTIONS.map((name, index) => ({
      type: ApplicationCommandOptionType.Attachment as const,
      name,
      ...describe(
        index === 0
          ? { en: 'An image to edit or remix (models that take images: Kontext, FLUX.2, GPT image)', zh: '要编辑或重绘的图片(支持图片的模型:Kontext、FLUX.2、GPT 图像)' }
          : { en: `Image ${index + 1}: another input or reference image`, zh: `图片 ${index + 1}:另一张输入或参考图片` },
      ),
    })),
  ],
} as const;

/** The offered models as choices, or autocomplete when there are more than Discord allows. */
function modelField(config: AppConfig) {
  const models = config.offeredModels;
  return {
    ...describe({ en: `Model (default ${config.defaultModel.id})`, zh: `模型(默认 ${config.defaultModel.id})` }),
    ...(models.length <= MAX_CHOICES ? { choices: models.map(modelChoice) } : { autocomplete: true }),
  };
}

export const imagine: SlashCommand = {
  name: ImagineCommand.name,

  definition(config: AppConfig) {
    return commandJSON(ImagineCommand, { model: modelField(config) });
  },

  async execute(ctx: BotContext, interaction: ChatInputCommandInteraction) {
    const args = readArguments(ImagineCommand, interaction);
    await imagineFor(ctx, interaction, {
      prompt: args.prompt,
      options: defined({ model: args.model, size: args.size, quality: args.quality, seed: args.seed, safetyTolerance: args.safety_tolerance, n: args.count }),
      ...defined({ enhance: args.enhance, style: args.style }),
      // Slash-command uploads live in no message, so they have no source to fetch again.
      inputs: { attachments: IMAGE_OPTIONS.flatMap((name) => {
        const attachment = args[name];
        return attachment ? [attachmentInput(attachment)] : [];
      }) },
    });
  },

  async autocomplete(ctx: BotContext, interaction: AutocompleteInteraction) {
    const focused = interaction.options.getFocused(true);
    const typed = String(focused.value).trim().toLowerCase();
    let model: ModelSpec;
    try {
      model = ctx.pipeline.resolveModel(interaction.options.getString('model') ?? undefined);
    } catch {
      model = ctx.pipeline.defaultModel;
    }
    let values: string[] = [];
    // What the model's relay takes (its profile): QuickRouter's FLUX offers the nine ratios, not pixels.
    const served = ctx.pipeline.modelOnFirstRelay(model);
    if (focused.name === 'size') values = sizeChoices(served);
    else if (focused.name === 'quality') values = [...(served.qualities ?? [])];
    else if (focused.name === 'model') values = ctx.pipeline.offeredModels.map((m) => m.id);
    else if (focused.name === 'style') values = interaction.guildId ? ctx.styles.list(interaction.guildId).map((preset) => preset.name) : [];
    const matches = values.filter((value) => value.toLowerCase().includes(typed));
    // Free input stays possible: offer what was typed first when it is a complete size that is not
    // listed (1000x1000), but not a fragment such as `16`, which would only be refused on submit.
    if (typed && focused.name === 'size' && !matches.includes(typed) && parseSize(typed)) matches.unshift(String(focused.value).trim());
    await interaction.respond(matches.slice(0, MAX_CHOICES).map((value) => ({ name: value, value })));
  },
};

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
