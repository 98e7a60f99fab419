// Edit and Upscale under a result, and the menu that applies Vary / Upscale / Edit to image N of a
// result with several images. Their state is in the custom_ids (the usage row id and the image
// number; for Upscale's confirmation the quoted attachment, size and model), so they work across
// restarts. Every generation goes through admitAndDefer → runGeneration: the queue, the ledger, the
// word filter, refunds and the usage log are /imagine's.
//
// Edit opens a form (a modal must be the click's first answer, within Discord's 3 s); its submit
// edits the image, fetched again from the result message for a fresh link, as Remix does.
// Upscale first quotes privately (the pipeline's price for the target size), and only its confirm
// button starts the re-render, so nobody pays for a click they did not mean.
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  type ButtonInteraction,
  type ModalSubmitInteraction,
  type StringSelectMenuInteraction,
} from 'discord.js';
import { parseSize } from '../src/catalog/sizeSyntax.js';
import type { ModelSpec } from '../src/catalog/types.js';
import { upscalePrompt, upscaleTarget } from '../src/catalog/upscale.js';
import type { BotContext } from '../src/discord/context.js';
import {
  editModalId,
  IMAGE_TOOLS_PREFIX,
  parseEditModalId,
  parseImagePickerId,
  parseImageToolButtonId,
  parsePickedToolValue,
  parseUpscaleConfirmId,
  upscaleConfirmId,
  type UpscaleQuote,
} from '../src/discord/customIds.js';
import { runGeneration } from '../src/discord/generationRun.js';
import { imagineFor } from '../src/discord/memberImagine.js';
import { admitAndDefer, editModelFor, originOf } from '../src/discord/inputRequest.js';
import { refusePrivately } from '../src/discord/responder.js';
import { resultImage, type ResultImage } from '../src/discord/resultImage.js';
import { explainRefusal, type DraftRequest } from '../src/generation/index.js';
import { editText, formatUsd } from '../src/i18n/editMessages.js';
import { inputText } from '../src/i18n/inputMessages.js';
import { localeFromDiscord, pick, type Locale } from '../src/i18n/locale.js';
import { text } from '../src/i18n/messages.js';
import { extractInlineParameters } from '../src/prompt/inlineParameters.js';
import { InvalidInputError } from '../src/providers/errors.js';
import type { UsageRow } from '../src/storage/index.js';
import { rowParams, vary } from './imagineButtons.js';
import type { ButtonHandler, ModalHandler, SelectHandler } from './types.js';

const INSTRUCTION_INPUT = 'instruction';
/** A modal text input holds at most 4000 characters. */
const MAX_INSTRUCTION = 4000;

/** A click on a result message: a button under it or its menu. */
type ResultClick = ButtonInteraction | StringSelectMenuInteraction;

/** Image `index` of the message the click came from (the result). */
function clickedImage(interaction: ResultClick | ModalSubmitInteraction, index: number): ResultImage | undefined {
  const { message } = interaction;
  return message ? resultImage({ id: message.id, channelId: message.channelId, attachments: message.attachments.values() }, index) : undefined;
}

export const imageToolButtons: ButtonHandler = {
  prefix: IMAGE_TOOLS_PREFIX,

  async handle(ctx: BotContext, interaction: ButtonInteraction) {
    const locale = localeFromDiscord(interaction.locale);
    const quote = parseUpscaleConfirmId(interaction.customId);
    if (quote) return confirmUpscale(ctx, interaction, quote);
    const parsed = parseImageToolButtonId(interaction.customId);
    const row = parsed && ctx.usage.get(parsed.generationId);
    if (!parsed || !row) return refusePrivately(interaction, text.resultGone);
    if (parsed.tool === 'edit') return openEditForm(ctx, interaction, row, parsed.image, locale);
    return quoteUpscale(ctx, interaction, row, parsed.image, locale);
  },
};

export const imagePicker: SelectHandler = {
  prefix: IMAGE_TOOLS_PREFIX,

  async handle(ctx: BotContext, interaction: StringSelectMenuInteraction) {
    const locale = localeFromDiscord(interaction.locale);
    const parsed = parseImagePickerId(interaction.customId);
    const row = parsed && ctx.usage.get(parsed.generationId);
    const [value] = interaction.values;
    const choice = value === undefined ? undefined : parsePickedToolValue(value);
    if (!row || !choice) return refusePrivately(interaction, text.resultGone);
    if (choice.tool === 'vary') return vary(ctx, interaction, row, locale, choice.image);
    if (choice.tool === 'edit') return openEditForm(ctx, interaction, row, choice.image, locale);
    return quoteUpscale(ctx, interaction, row, choice.image, locale);
  },
};

// --- Edit ---

function editForm(generationId: number, image: number, locale: Locale): ModalBuilder {
  const instruction = new TextInputBuilder()
    .setCustomId(INSTRUCTION_INPUT)
    .setStyle(TextInputStyle.Paragraph)
    .setRequired(true)
    .setMaxLength(MAX_INSTRUCTION)
    .setPlaceholder(pick(editText.editPlaceholder, locale));
  return new ModalBuilder()
    .setCustomId(editModalId(generationId, image))
    .setTitle(pick(editText.editTitle({ image }), locale))
    .addLabelComponents(new LabelBuilder().setLabel(pick(editText.editLabel, locale)).setTextInputComponent(instruction));
}

/** The form is the click's only answer; what can be refused at once is refused before it opens. */
async function openEditForm(ctx: BotContext, interaction: ResultClick, row: UsageRow, image: number, locale: Locale): Promise<void> {
  if (!editModelFor(ctx, row.model)) return refusePrivately(interaction, inputText.noEditModel);
  if (!clickedImage(interaction, image)) return refusePrivately(interaction, editText.imageMissing({ image }));
  await interaction.showModal(editForm(row.id, image, locale));
}

export const editModal: ModalHandler = {
  prefix: IMAGE_TOOLS_PREFIX,

  async handle(ctx: BotContext, interaction: ModalSubmitInteraction) {
    const parsed = parseEditModalId(interaction.customId);
    const row = parsed && ctx.usage.get(parsed.generationId);
    if (!parsed || !row) return refusePrivately(interaction, text.resultGone);
    // The form was opened from the result message, which Discord sends along with the submit.
    const image = clickedImage(interaction, parsed.image);
    if (!image) return refusePrivately(interaction, inputText.sourceGone);
    // The same prompt syntax as /imagine and Remix (--ar 16:9, --seed 42, shortcuts, --no); the
    // result's model when it takes images.
    const instruction = interaction.fields.getTextInputValue(INSTRUCTION_INPUT);
    const model = extractInlineParameters(instruction).found.model ?? editModelFor(ctx, row.model);
    // The message is fetched again (for a fresh link) and the image downloaded after the deferral.
    await imagineFor(ctx, interaction, { prompt: instruction, options: model ? { model } : {}, inputs: { messages: [image.input.source] } });
  },
};

// --- Upscale ---

/** The image's pixels as Discord states them, else the size the usage log recorded (when it is one). */
function imagePixels(image: ResultImage, row: UsageRow): { width: number; height: number } | undefined {
  if (image.width && image.height) return { width: image.width, height: image.height };
  const recorded = row.sizeEffective ? parseSize(row.sizeEffective) : undefined;
  return recorded?.kind === 'pixels' ? { width: recorded.width, height: recorded.height } : undefined;
}

/**
 * The model and size of an upscale: the result's own model when it can make this image larger,
 * else the server's image model, else the first other offered one that can (each as its first relay
 * serves it).
 */
function upscalePlan(ctx: BotContext, resultModel: string, width: number, height: number): { model: ModelSpec; size: string } | undefined {
  const { pipeline } = ctx;
  const rank = (model: ModelSpec): number => (model.id === resultModel ? 0 : model.id === pipeline.defaultModel.id ? 1 : 2);
  const candidates = [...pipeline.editModels].sort((a, b) => rank(a) - rank(b));
  for (const model of candidates) {
    if (pipeline.relaysServing(model).length === 0) continue;
    const target = upscaleTarget(pipeline.modelOnFirstRelay(model), width, height);
    if (target) return { model, size: target.size };
  }
  return undefined;
}

/** One image at `size`, told to keep the picture and add detail; the result's quality when the model takes it. */
function upscaleRequest(ctx: BotContext, row: UsageRow, model: string, size: string): DraftRequest {
  const spec = ctx.pipeline.editModels.find((candidate) => candidate.id === model);
  const { quality, safetyTolerance } = rowParams(row);
  return {
    prompt: upscalePrompt(row.prompt),
    model,
    size,
    n: 1,
    ...(typeof quality === 'string' && spec?.qualities?.includes(quality) ? { quality } : {}),
    ...(typeof safetyTolerance === 'number' ? { safetyTolerance } : {}),
  };
}

/** A private quote (target size, model, the pipeline's price) with the confirm button; nothing is reserved yet. */
async function quoteUpscale(ctx: BotContext, interaction: ResultClick, row: UsageRow, index: number, locale: Locale): Promise<void> {
  const image = clickedImage(interaction, index);
  if (!image) return refusePrivately(interaction, editText.imageMissing({ image: index }));
  if (ctx.pipeline.editModels.length === 0) return refusePrivately(interaction, inputText.noEditModel);
  const pixels = imagePixels(image, row);
  if (!pixels) return refusePrivately(interaction, editText.sizeUnknown({ image: index }));
  const from = `${pixels.width}x${pixels.height}`;
  const plan = upscalePlan(ctx, row.model, pixels.width, pixels.height);
  if (!plan) return refusePrivately(interaction, editText.cannotUpscale({ image: index, size: from }));
  const draft = upscaleRequest(ctx, row, plan.model.id, plan.size);
  // The clicker's own checks (queue, blocked model or word) now, rather than after they confirm.
  const screened = ctx.generation.screen(originOf(interaction), draft);
  if (!screened.ok) return refusePrivately(interaction, explainRefusal(screened.refusal, locale));
  let cost: number;
  try {
    cost = ctx.pipeline.reservationCost(ctx.pipeline.prepare({ ...draft, safetyTolerance: screened.value.safety.value }));
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return refusePrivately(interaction, explainRefusal({ code: 'invalid_input', error }, locale));
  }
  const confirm = new ButtonBuilder()
    .setCustomId(upscaleConfirmId({ generationId: row.id, attachmentId: image.input.source.attachmentId, size: plan.size, model: plan.model.id }))
    .setLabel(pick(editText.buttonConfirmUpscale, locale))
    .setEmoji('⬆️')
    .setStyle(ButtonStyle.Primary);
  await interaction.reply({
    content: pick(editText.upscaleQuote({ image: index, from, to: plan.size, model: plan.model.id, cost: formatUsd(cost) }), locale),
    components: [new ActionRowBuilder<ButtonBuilder>().addComponents(confirm)],
    flags: MessageFlags.Ephemeral,
  });
}

/** What was quoted, admitted like any request: the image fetched again from the result message after the deferral. */
async function confirmUpscale(ctx: BotContext, interaction: ButtonInteraction, quote: UpscaleQuote): Promise<void> {
  const row = ctx.usage.get(quote.generationId);
  if (!row) return refusePrivately(interaction, text.resultGone);
  if (!row.messageId || !row.messageChannelId) return refusePrivately(interaction, inputText.sourceGone);
  // A model id too long for the custom_id was left out: the server's choice for an edit of this result.
  const model = quote.model ?? editModelFor(ctx, row.model);
  if (!model) return refusePrivately(interaction, inputText.noEditModel);
  const source = { channelId: row.messageChannelId, messageId: row.messageId, attachmentId: quote.attachmentId };
  const admitted = await admitAndDefer(ctx, interaction, upscaleRequest(ctx, row, model, quote.size), { messages: [source] });
  if (!admitted) return;
  await runGeneration(ctx, { interaction, ...admitted });
}
