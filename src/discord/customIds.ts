// Button state lives in the custom_id (and the usage log row it names), never in memory, so the
// buttons keep working after a restart. Formats (ids ≤ 100 chars):
// - `img:<action>:<usage row id>` under a result;
// - `mod:<action>:<usage row id>` under a report in the log channel (moderators' quick actions).
// - `gal:share:<usage row id>`, `gal:fav:<usage row id>` under a result and a gallery post;
// - `gal:top:<period>:<page>` and `hist:<page>:<member id>:<model or empty>` under the paged
//   /gallery top and /history lists (the list is read again from the database on every click).
export type ResultAction = 'reroll' | 'vary' | 'details' | 'delete' | 'report';
export type ModerationAction = 'delete' | 'block';

const ACTIONS: readonly ResultAction[] = ['reroll', 'vary', 'details', 'delete', 'report'];
const PREFIX = 'img';
const MODERATION_ACTIONS: readonly ModerationAction[] = ['delete', 'block'];
export const MODERATION_PREFIX = 'mod';

function parse<A extends string>(customId: string, prefix: string, actions: readonly A[]): { action: A; generationId: number } | undefined {
  const [head, action, id] = customId.split(':');
  if (head !== prefix || !actions.includes(action as A) || !id || !/^\d{1,15}$/.test(id)) return undefined;
  return { action: action as A, generationId: Number(id) };
}

export function resultButtonId(action: ResultAction, generationId: number): string {
  return `${PREFIX}:${action}:${generationId}`;
}

export function parseResultButtonId(customId: string): { action: ResultAction; generationId: number } | undefined {
  return parse(customId, PREFIX, ACTIONS);
}

export function moderationButtonId(action: ModerationAction, generationId: number): string {
  return `${MODERATION_PREFIX}:${action}:${generationId}`;
}

export function parseModerationButtonId(customId: string): { action: ModerationAction; generationId: number } | undefined {
  return parse(customId, MODERATION_PREFIX, MODERATION_ACTIONS);
}

export type GalleryAction = 'share' | 'fav';
export type TopPeriod = 'week' | 'month' | 'all';
export const GALLERY_PREFIX = 'gal';
export const HISTORY_PREFIX = 'hist';
export const TOP_PERIODS: readonly TopPeriod[] = ['week', 'month', 'all'];
const GALLERY_ACTIONS: readonly GalleryAction[] = ['share', 'fav'];
/** Discord's limit on a custom_id. */
export const MAX_CUSTOM_ID = 100;

export function galleryButtonId(action: GalleryAction, generationId: number): string {
  return `${GALLERY_PREFIX}:${action}:${generationId}`;
}

export function parseGalleryButtonId(customId: string): { action: GalleryAction; generationId: number } | undefined {
  return parse(customId, GALLERY_PREFIX, GALLERY_ACTIONS);
}

export function topPageId(period: TopPeriod, page: number): string {
  return `${GALLERY_PREFIX}:top:${period}:${page}`;
}

export function parseTopPageId(customId: string): { period: TopPeriod; page: number } | undefined {
  const [head, kind, period, page] = customId.split(':');
  if (head !== GALLERY_PREFIX || kind !== 'top' || !TOP_PERIODS.includes(period as TopPeriod) || !page || !/^\d{1,6}$/.test(page)) return undefined;
  return { period: period as TopPeriod, page: Number(page) };
}

/** Undefined when the model name would push the id past Discord's 100 characters. */
export function historyPageId(page: number, userId: string, model: string | null): string | undefined {
  const id = `${HISTORY_PREFIX}:${page}:${userId}:${model ?? ''}`;
  return id.length <= MAX_CUSTOM_ID ? id : undefined;
}

export function parseHistoryPageId(customId: string): { page: number; userId: string; model: string | null } | undefined {
  // The model is the rest: model ids never hold ':' today, but a custom one might.
  const [head, page, userId, ...model] = customId.split(':');
  if (head !== HISTORY_PREFIX || !page || !/^\d{1,6}$/.test(page) || !userId || !/^\d{1,25}$/.test(userId)) return undefined;
  const joined = model.join(':');
  return { page: Number(page), userId, model: joined === '' ? null : joined };
}
