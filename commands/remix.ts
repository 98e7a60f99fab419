// "Remix" (right-click a message → Apps → Remix): a form asks for a prompt and a model, then the
// message's first image is edited with them. The form's custom_id says where the image is
// (`remix:<channel>:<message>:<attachment>`), so the submit fetches the message again for a fresh
// link and nothing is held in memory between the two interactions (a restart in between is fine).
// Showing the form is the context menu's first and only answer: it must come within Discord's 3 s.
import {
  ApplicationCommandType,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
  type MessageContextMenuCommandInteraction,
  type ModalSubmitInteraction,
} from 'discord.js';
import type { ModelSpec } from '../src/catalog/types.js';
import type { BotContext } from '../src/discord/context.js';
import { editModelFor, firstImage } from '../src/discord/inputRequest.js';
import { imagineFor } from '../src/discord/memberImagine.js';
import { inputText } from '../src/i18n/inputMessages.js';
import { localeFromDiscord, pick, type Locale, type Localized } from '../src/i18n/locale.js';
import { extractInlineParameters } from '../src/prompt/inlineParameters.js';
import type { InputSource } from '../src/providers/types.js';
import { zhLocalizations } from './localize.js';
import type { MessageCommand, ModalHandler } from './types.js';

const PREFIX = 'remix';
const PROMPT_INPUT = 'prompt';
const MODEL_INPUT = 'model';
/** A modal text input holds at most 4000 characters. */
const MAX_PROMPT = 4000;
const MAX_OPTIONS = 25;

export function remixModalId(source: InputSource): string {
  return `${PREFIX}:${source.channelId}:${source.messageId}:${source.attachmentId}`;
}

export function parseRemixModalId(customId: string): InputSource | undefined {
  const match = /^remix:(\d{1,25}):(\d{1,25}):(\d{1,25})$/.exec(customId);
  return match ? { channelId: match[1]!, messageId: match[2]!, attachmentId: match[3]! } : undefined;
}

async function privately(interaction: MessageContextMenuCommandInteraction | ModalSubmitInteraction, message: Localized): Promise<void> {
  await interaction.reply({ content: `❌ ${pick(message, localeFromDiscord(interaction.locale))}`, flags: MessageFlags.Ephemeral });
}

function remixForm(source: InputSource, models: readonly ModelSpec[], preferred: string | undefined, locale: Locale): ModalBuilder {
  const prompt = new TextInputBuilder()
    .setCustomId(PROMPT_INPUT)
    .setStyle(TextInputStyle.Paragraph)
    .setRequired(true)
    .setMaxLength(MAX_PROMPT)
    .setPlaceholder(pick(inputText.remixPromptPlaceholder, locale));
  const model = new StringSelectMenuBuilder()
    .setCustomId(MODEL_INPUT)
    // Optional: leaving it empty keeps the server's image model (min_values 0 agrees with that).
    .setRequired(false)
    .setMinValues(0)
    .setMaxValues(1)
    .addOptions(
      models.slice(0, MAX_OPTIONS).map((spec) => ({
        label: spec.id,
        value: spec.id,
        description: spec.description[locale].slice(0, 100),
        default: spec.id === preferred,
      })),
    );
  return new ModalBuilder()
    .setCustomId(remixModalId(source))
    .setTitle(pick(inputText.remixTitle, locale))
    .addLabelComponents(
      new LabelBuilder().setLabel(pick(inputText.remixPromptLabel, locale)).setTextInputComponent(prompt),
      new LabelBuilder()
        .setLabel(pick(inputText.remixModelLabel, locale))
        .setDescription(pick(inputText.remixModelDescription, locale))
        .setStringSelectMenuComponent(model),
    );
}

export const remix: MessageCommand = {
  name: 'Remix',

  definition() {
    return {
      type: ApplicationCommandType.Message,
      name: 'Remix',
      name_localizations: zhLocalizations(inputText.commandRemix),
    };
  },

  async execute(ctx: BotContext, interaction: MessageContextMenuCommandInteraction) {
    const locale = localeFromDiscord(interaction.locale);
    const message = interaction.targetMessage;
    const image = firstImage({ id: message.id, channelId: message.channelId, attachments: message.attachments.values() });
    if (!image?.source) return privately(interaction, inputText.remixNoImage);
    const models = ctx.pipeline.editModels;
    if (models.length === 0) return privately(interaction, inputText.noEditModel);
    await interaction.showModal(remixForm(image.source, models, editModelFor(ctx, undefined), locale));
  },
};

/** The model the form submitted; none when the user cleared the choice (or an old client sent none). */
function chosenModel(interaction: ModalSubmitInteraction): string | undefined {
  try {
    return interaction.fields.getStringSelectValues(MODEL_INPUT)[0];
  } catch {
    return undefined;
  }
}

export const remixModal: ModalHandler = {
  prefix: PREFIX,

  async handle(ctx: BotContext, interaction: ModalSubmitInteraction) {
    const source = parseRemixModalId(interaction.customId);
    if (!source) return privately(interaction, inputText.sourceGone);
    // The same prompt syntax as /imagine (--ar 16:9, --seed 42, shortcuts, --no); the form's model
    // choice wins, then one typed in the prompt, then the server's image-editing model.
    const prompt = interaction.fields.getTextInputValue(PROMPT_INPUT);
    const model = chosenModel(interaction) ?? extractInlineParameters(prompt).found.model ?? editModelFor(ctx, undefined);
    // The message is fetched again (for a fresh link) and its image downloaded after the deferral.
    await imagineFor(ctx, interaction, { prompt, options: model ? { model } : {}, inputs: { messages: [source] } });
  },
};
