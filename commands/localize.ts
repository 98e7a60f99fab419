// Discord shows command texts in the user's client language; zh-CN and zh-TW users get Chinese.
import type { LocalizationMap } from 'discord.js';
import type { Localized } from '../src/i18n/locale.js';

export function zhLocalizations(text: Localized): LocalizationMap {
  return { 'zh-CN': text.zh, 'zh-TW': text.zh };
}

/** `description` + `description_localizations` from one Localized text. */
export function describe(text: Localized): { description: string; description_localizations: LocalizationMap } {
  return { description: text.en, description_localizations: zhLocalizations(text) };
}
