// The edits that keep the Share and ⭐ buttons current on messages already posted (the buttons
// themselves are built in discord/resultMessage.ts, which puts them under every result).
// The ⭐ count lives on two messages (the result and its gallery post); the edits below change only
// our own buttons in a message's component JSON, so buttons other features put there stay as they are.
import type { Locale } from '../i18n/locale.js';
import { galleryButtonId } from '../discord/customIds.js';
import { favouriteButton, shareButton } from '../discord/resultMessage.js';

/** A component as Discord's JSON has it; only buttons are changed, everything else passes through. */
export interface ComponentJson {
  type: number;
  custom_id?: string;
  label?: string;
  disabled?: boolean;
  components?: ComponentJson[];
  [key: string]: unknown;
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
