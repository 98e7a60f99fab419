// /describe image:<file> and the message context menu Describe (描述): the relay's vision chat model
// proposes four prompts for an image (src/discord/describeFlow.ts). Each numbered button under the
// answer opens a form holding that prompt, to adjust; its submit is an /imagine of the member's.
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  LabelBuilder,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type MessageContextMenuCommandInteraction,
  type ModalSubmitInteraction,
} from 'discord.js';
import { looksLikeImage, type AttachmentInput } from '../src/discord/attachmentInputs.js';
import type { BotContext } from '../src/discord/context.js';
import { DESCRIBE_PREFIX, describeAttachment, describedPrompt, parseDescribePromptButtonId } from '../src/discord/describeFlow.js';
import { attachmentInput } from '../src/discord/inputRequest.js';
import { imagineFor } from '../src/discord/memberImagine.js';
import { refusePrivately } from '../src/discord/responder.js';
import { assistText } from '../src/i18n/assistMessages.js';
import { localeFromDiscord, pick } from '../src/i18n/locale.js';
import { commandJSON, readArguments } from './arguments.js';
import { describe as described, zhLocalizations } from './localize.js';
import type { ButtonHandler, MessageCommand, ModalHandler, SlashCommand } from './types.js';

const MODAL_PREFIX = 'dscm';
const PROMPT_INPUT = 'prompt';
/** A modal text input holds at most 4000 characters. */
const MAX_PROMPT = 4000;

export const DescribeCommand = {
  name: 'describe',
  name_localizations: { 'zh-CN': '描述', 'zh-TW': '描述' },
  ...described({ en: 'Get four prompts that would recreate an image', zh: '为图片生成四个可复现它的提示词' }),
  options: [
    {
      type: ApplicationCommandOptionType.Attachment,
      name: 'image',
      ...described({ en: 'The image to describe (PNG, JPEG, WebP or GIF)', zh: '要描述的图片(PNG、JPEG、WebP 或 GIF)' }),
      required: true,
    },
  ],
} as const;

export const describeSlash: SlashCommand = {
  name: DescribeCommand.name,
  definition: () => commandJSON(DescribeCommand),
  async execute(ctx: BotContext, interaction: ChatInputCommandInteraction) {
    const { image } = readArguments(DescribeCommand, interaction);
    await describeAttachment(ctx, interaction, attachmentInput(image));
  },
};

export const describeMessage: MessageCommand = {
  name: 'Describe',
  definition: () => ({ type: ApplicationCommandType.Message, name: 'Describe', name_localizations: zhLocalizations(assistText.commandDescribe) }),
  async execute(ctx: BotContext, interaction: MessageContextMenuCommandInteraction) {
    // The message's first attachment that is an image; any attachment at all is refused by name.
    const attachments: AttachmentInput[] = [...interaction.targetMessage.attachments.values()].map((attachment) => attachmentInput(attachment));
    const image = attachments.find(looksLikeImage);
    await describeAttachment(ctx, interaction, image);
  },
};

/** A numbered button: a form with that prompt, to adjust before it is imagined. Answering with the form must come within 3 s. */
export const describeButtons: ButtonHandler = {
  prefix: DESCRIBE_PREFIX,
  async handle(_ctx: BotContext, interaction: ButtonInteraction) {
    const locale = localeFromDiscord(interaction.locale);
    const index = parseDescribePromptButtonId(interaction.customId);
    const prompt = index === undefined ? undefined : describedPrompt(interaction.message, index);
    if (!prompt) return refusePrivately(interaction, assistText.describePromptGone);
    const input = new TextInputBuilder().setCustomId(PROMPT_INPUT).setStyle(TextInputStyle.Paragraph).setRequired(true).setMaxLength(MAX_PROMPT).setValue(prompt.slice(0, MAX_PROMPT));
    await interaction.showModal(
      new ModalBuilder()
        .setCustomId(MODAL_PREFIX)
        .setTitle(pick(assistText.describeModalTitle, locale))
        .addLabelComponents(new LabelBuilder().setLabel(pick(assistText.describeModalLabel, locale)).setTextInputComponent(input)),
    );
  },
};

export const describeModal: ModalHandler = {
  prefix: MODAL_PREFIX,
  async handle(ctx: BotContext, interaction: ModalSubmitInteraction) {
    await imagineFor(ctx, interaction, { prompt: interaction.fields.getTextInputValue(PROMPT_INPUT), options: {} });
  },
};
