/** The bot speaks English and Simplified Chinese; Chinese for zh-CN and zh-TW users, English otherwise. */
export type Locale = 'en' | 'zh';

/** A text in every language the bot speaks. */
export interface Localized {
  en: string;
  zh: string;
}

export function localeFromDiscord(discordLocale: string | null | undefined): Locale {
  return discordLocale?.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function pick(text: Localized, locale: Locale): string {
  return text[locale];
}
