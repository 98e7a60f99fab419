// Waits and estimates as people say them: "45 s", "3 min", "2 h 5 min" / "45 秒", "3 分钟".
import type { Locale } from './locale.js';

export function formatDuration(ms: number, locale: Locale): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 120) return locale === 'zh' ? `${seconds} 秒` : `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 120) return locale === 'zh' ? `${minutes} 分钟` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return locale === 'zh' ? `${hours} 小时 ${minutes % 60} 分钟` : `${hours} h ${minutes % 60} min`;
}
