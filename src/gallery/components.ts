// The Share and ⭐ buttons, and the edits that keep them current on messages already posted.
// The ⭐ count lives on two messages (the result and its gallery post); the edits below change only
// our own buttons in a message's component JSON, so buttons other features put there stay as they are.
import { ActionRowBuilder, ButtonBuilder, ButtonStyle } from 'discord.js';
import { galleryText } from '../i18n/galleryMessages.js';
import { pick, type Locale } from '../i18n/locale.js';
import { galleryButtonId } from '../discord/customIds.js';

/** A component as Discord's JSON has it; only buttons are changed, everything else passes through. */
export interface ComponentJson {
  type: number;
  custom_id?: string;
  label?: string;
  disabled?: boolean;
  components?: ComponentJson[];
  [key: string]: unknown;
}

/** ⭐ alone while nobody has starred the image, then ⭐ with the count. */
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

function mapButtons(rows: readonly ComponentJson[], change: (button: ComponentJson) => ComponentJson): ComponentJson[] {
  return rows.map((row) => (row.components ? { ...row, components: mapButtons(row.components, change) } : row.type === 2 ? change(row) : row));
}

/** The message's components with the ⭐ of this image showing `count`. */
export function withFavouriteCount(rows: readonly ComponentJson[], generationId: number, count: number): ComponentJson[] {
  const id = galleryButtonId('fav', generationId);
  const json = favouriteButton(generationId, count).toJSON() as unknown as ComponentJson;
  return mapButtons(rows, (button) => (button.custom_id === id ? json : button));
}

/** The message's components with Share shown as done (disabled): the image is in the gallery. */
export function withShareDone(rows: readonly ComponentJson[], generationId: number, locale: Locale): ComponentJson[] {
  const id = galleryButtonId('share', generationId);
  const json = shareButton(generationId, locale, true).toJSON() as unknown as ComponentJson;
  return mapButtons(rows, (button) => (button.custom_id === id ? json : button));
}
