// What a finished generation looks like in Discord: the images as attachments, an embed with the
// parameters, and the Re-roll / Vary / Details / Delete / Report buttons, then Share / ⭐, then Edit /
// Upscale, and with several images the menus applying Vary / Upscale / Edit to image N (their state
// is the usage-log row id). The buttons a gallery post repeats are built here; gallery/ sits above and
// reuses them.
import { ActionRowBuilder, AttachmentBuilder, ButtonBuilder, ButtonStyle, EmbedBuilder, StringSelectMenuBuilder } from 'discord.js';
import type { FittedImage } from '../delivery/fitToUploadLimit.js';
import { attachmentName } from '../delivery/attachmentName.js';
import { editText } from '../i18n/editMessages.js';
import { galleryText } from '../i18n/galleryMessages.js';
import { pick, type Locale, type Localized } from '../i18n/locale.js';
import { text } from '../i18n/messages.js';
import { describeInputs, inputText } from '../i18n/inputMessages.js';
import { reportText } from '../i18n/reportMessages.js';
import type { GenerationResult } from '../providers/types.js';
import { shorten } from '../shorten.js';
import { galleryButtonId, imagePickerId, imageToolButtonId, pickedToolValue, resultButtonId } from './customIds.js';

const SUCCESS_COLOUR = 0x5865f2;
const FAILURE_COLOUR = 0xed4245;
const PROMPT_PREVIEW_CHARS = 300;

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KiB`;
}

export interface ResultView {
  generationId: number;
  prompt: string;
  userId: string;
  locale: Locale;
  result: GenerationResult;
  images: FittedImage[];
  limitBytes: number;
  /** Extra notes for the embed (ignored inline parameters, policy clamps …). */
  notes: Localized[];
  spoiler?: boolean;
  /** The safety setting sent to the relay, when there was one. */
  safety?: string;
}

/** Re-roll: under the result, and under its gallery post (the same usage row, the same handler). */
export function rerollButton(generationId: number, locale: Locale): ButtonBuilder {
  return new ButtonBuilder()
    .setCustomId(resultButtonId('reroll', generationId))
    .setLabel(pick(text.buttonReroll, locale))
    .setEmoji('🎲')
    .setStyle(ButtonStyle.Primary);
}

/** Details: under the result, and under its gallery post. */
export function detailsButton(generationId: number, locale: Locale): ButtonBuilder {
  return new ButtonBuilder()
    .setCustomId(resultButtonId('details', generationId))
    .setLabel(pick(text.buttonDetails, locale))
    .setEmoji('ℹ️')
    .setStyle(ButtonStyle.Secondary);
}

/** ⭐ alone while nobody has starred the image, then ⭐ with the count (under the result and its gallery post). */
export function favouriteButton(generationId: number, count: number): ButtonBuilder {
  const button = new ButtonBuilder().setCustomId(galleryButtonId('fav', generationId)).setEmoji('⭐').setStyle(ButtonStyle.Secondary);
  return count > 0 ? button.setLabel(String(count)) : button;
}

export function shareButton(generationId: number, locale: Locale, shared = false): ButtonBuilder {
  return new ButtonBuilder()
    .setCustomId(galleryButtonId('share', generationId))
    .setLabel(pick(shared ? galleryText.buttonShared : galleryText.buttonShare, locale))
    .setEmoji('🖼️')
    .setStyle(ButtonStyle.Success)
    .setDisabled(shared);
}

/** The second row under a fresh result (the first holds Re-roll / Details / Delete / Report). */
export function sharingRow(generationId: number, locale: Locale): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(shareButton(generationId, locale), favouriteButton(generationId, 0));
}

export function resultButtons(generationId: number, locale: Locale): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    rerollButton(generationId, locale),
    // The result itself as the input of an edit.
    new ButtonBuilder()
      .setCustomId(resultButtonId('vary', generationId))
      .setLabel(pick(inputText.buttonVary, locale))
      .setEmoji('🔀')
      .setStyle(ButtonStyle.Secondary),
    detailsButton(generationId, locale),
    new ButtonBuilder()
      .setCustomId(resultButtonId('delete', generationId))
      .setLabel(pick(text.buttonDelete, locale))
      .setEmoji('🗑️')
      .setStyle(ButtonStyle.Danger),
    // Anyone may report; secondary so it does not compete with Delete for the requester's eye.
    new ButtonBuilder()
      .setCustomId(resultButtonId('report', generationId))
      .setLabel(pick(reportText.buttonReport, locale))
      .setEmoji('🚩')
      .setStyle(ButtonStyle.Secondary),
  );
}

export function resultMessage(view: ResultView) {
  const { result, locale } = view;
  const files = view.images.map((image, index) => {
    const name = `${view.spoiler ? 'SPOILER_' : ''}${attachmentName(result.model, index + 1, image.extension)}`;
    return new AttachmentBuilder(image.bytes, { name });
  });
  const notes = [
    ...result.adjustments.map((adjustment) => pick(text.adjusted(adjustment), locale)),
    ...(result.droppedParams?.length ? [pick(text.paramsDropped({ list: result.droppedParams.map((field) => `\`${field}\``).join(', ') }), locale)] : []),
    ...view.images
      .filter((image) => image.step !== 'original')
      .map((image) =>
        pick(
          text.reencoded({
            step: image.step,
            from: formatBytes(image.originalBytes),
            to: formatBytes(image.bytes.length),
            limit: formatBytes(view.limitBytes),
          }),
          locale,
        ),
      ),
    ...view.notes.map((note) => pick(note, locale)),
  ];
  const first = files[0]?.name;
  const inputs = describeInputs(result.inputs, locale);
  const embed = new EmbedBuilder()
    .setColor(SUCCESS_COLOUR)
    .setDescription(shorten(view.prompt, PROMPT_PREVIEW_CHARS))
    .addFields(
      { name: pick(text.fieldModel, locale), value: result.model, inline: true },
      { name: pick(text.fieldSize, locale), value: sizeLabel(result, view.images), inline: true },
      ...(result.seed === undefined ? [] : [{ name: pick(text.fieldSeed, locale), value: String(result.seed), inline: true }]),
      ...(view.safety === undefined ? [] : [{ name: pick(text.fieldSafety, locale), value: view.safety, inline: true }]),
      { name: pick(text.fieldTime, locale), value: `${(result.elapsedMs / 1000).toFixed(1)} s`, inline: true },
      { name: pick(text.fieldRequester, locale), value: `<@${view.userId}>`, inline: true },
      ...(inputs ? [{ name: pick(inputText.fieldInputs, locale), value: shorten(inputs, 1024) }] : []),
      ...(notes.length ? [{ name: pick(text.fieldNotes, locale), value: shorten(notes.map((n) => `• ${n}`).join('\n'), 1024) }] : []),
    );
  if (first && !view.spoiler) embed.setImage(`attachment://${first}`);
  // Share and ⭐ on a second row: a row holds five buttons, and the first is the result's own. Edit
  // and Upscale on a third, the menus for image N below it (a message holds five rows).
  return {
    embeds: [embed],
    files,
    components: [
      resultButtons(view.generationId, locale),
      sharingRow(view.generationId, locale),
      imageToolRow(view.generationId, locale),
      ...imagePickerRows(view.generationId, view.images.length, locale),
    ],
  };
}

/** Edit and Upscale of the first image (the menus below reach the others). */
function imageToolRow(generationId: number, locale: Locale): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder()
      .setCustomId(imageToolButtonId('edit', generationId, 1))
      .setLabel(pick(editText.buttonEdit, locale))
      .setEmoji('✏️')
      .setStyle(ButtonStyle.Secondary),
    new ButtonBuilder()
      .setCustomId(imageToolButtonId('upscale', generationId, 1))
      .setLabel(pick(editText.buttonUpscale, locale))
      .setEmoji('⬆️')
      .setStyle(ButtonStyle.Secondary),
  );
}

/** A menu holds 25 options: three per image. */
const IMAGES_PER_MENU = 8;

/** With several images, menus applying Vary / Upscale / Edit to image N (one menu for up to 8 images, two for 9-10). */
function imagePickerRows(generationId: number, images: number, locale: Locale): ActionRowBuilder<StringSelectMenuBuilder>[] {
  if (images < 2) return [];
  const rows: ActionRowBuilder<StringSelectMenuBuilder>[] = [];
  for (let from = 1, menu = 1; from <= images; from += IMAGES_PER_MENU, menu++) {
    const to = Math.min(images, from + IMAGES_PER_MENU - 1);
    const options = [];
    for (let image = from; image <= to; image++) {
      options.push(
        { label: pick(editText.pickVary({ image }), locale), value: pickedToolValue('vary', image), emoji: { name: '🔀' } },
        { label: pick(editText.pickUpscale({ image }), locale), value: pickedToolValue('upscale', image), emoji: { name: '⬆️' } },
        { label: pick(editText.pickEdit({ image }), locale), value: pickedToolValue('edit', image), emoji: { name: '✏️' } },
      );
    }
    const select = new StringSelectMenuBuilder()
      .setCustomId(imagePickerId(generationId, menu))
      .setPlaceholder(pick(editText.pickPlaceholder({ from, to }), locale))
      .setMinValues(1)
      .setMaxValues(1)
      .addOptions(options);
    rows.push(new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(select));
  }
  return rows;
}

function sizeLabel(result: GenerationResult, images: FittedImage[]): string {
  const image = images[0];
  if (!image) return result.effectiveSize;
  const pixels = `${image.width}x${image.height}`;
  return pixels === result.effectiveSize ? pixels : `${result.effectiveSize} (${pixels})`;
}

export function failureMessage(message: Localized, locale: Locale, prefix?: string) {
  const embed = new EmbedBuilder()
    .setColor(FAILURE_COLOUR)
    .setTitle(pick(text.failedTitle, locale))
    .setDescription(shorten(pick(message, locale), 4000));
  return { content: prefix ?? '', embeds: [embed], files: [], components: [], attachments: [] };
}
