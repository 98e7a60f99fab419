// Button state lives in the custom_id (and the usage log row it names), never in memory, so the
// buttons keep working after a restart. Formats (ids ≤ 100 chars):
// - `img:<action>:<usage row id>` under a result;
// - `mod:<action>:<usage row id>` under a report in the log channel (moderators' quick actions).
// - `gal:share:<usage row id>`, `gal:fav:<usage row id>` under a result and a gallery post;
// - `gal:top:<period>:<page>` and `hist:<page>:<member id>:<model or empty>` under the paged
//   /gallery top and /history lists (the list is read again from the database on every click).
// - `edit:edit:<usage row id>:<image>` and `edit:upscale:<usage row id>:<image>` (Edit and Upscale
//   under a result), `edit:pick:<usage row id>:<menu>` (the menu applying Vary / Upscale / Edit to
//   image N of a result with several; its values are `vary:N`, `upscale:N`, `edit:N`),
//   `edit:go:<usage row id>:<attachment id>:<WxH>:<model>` (Upscale's confirm button: what was
//   quoted), and the Edit form (a modal) `edit:<usage row id>:<image>`.
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

export const IMAGE_TOOLS_PREFIX = 'edit';
/** The image tools under a result: a button for image 1, the menu's choice for image N. */
export type ImageTool = 'edit' | 'upscale';
/** What the menu of a result with several images applies to image N. */
export type PickedTool = ImageTool | 'vary';

const IMAGE_TOOLS: readonly ImageTool[] = ['edit', 'upscale'];
const PICKED_TOOLS: readonly PickedTool[] = ['vary', 'upscale', 'edit'];
const ROW_ID = /^\d{1,15}$/;
/** Image numbers are 1-based, as people count them; a result holds at most 10. */
const IMAGE_NUMBER = /^[1-9]\d?$/;
const SNOWFLAKE = /^\d{1,25}$/;
const PIXELS = /^(\d{1,5})x(\d{1,5})$/;

export function imageToolButtonId(tool: ImageTool, generationId: number, image: number): string {
  return `${IMAGE_TOOLS_PREFIX}:${tool}:${generationId}:${image}`;
}

export function parseImageToolButtonId(customId: string): { tool: ImageTool; generationId: number; image: number } | undefined {
  const [head, tool, id, image, ...rest] = customId.split(':');
  if (head !== IMAGE_TOOLS_PREFIX || !IMAGE_TOOLS.includes(tool as ImageTool) || rest.length) return undefined;
  if (!id || !ROW_ID.test(id) || !image || !IMAGE_NUMBER.test(image)) return undefined;
  return { tool: tool as ImageTool, generationId: Number(id), image: Number(image) };
}

/** One menu per group of images (a menu holds 25 options, three per image). */
export function imagePickerId(generationId: number, menu: number): string {
  return `${IMAGE_TOOLS_PREFIX}:pick:${generationId}:${menu}`;
}

export function parseImagePickerId(customId: string): { generationId: number } | undefined {
  const [head, kind, id, menu, ...rest] = customId.split(':');
  if (head !== IMAGE_TOOLS_PREFIX || kind !== 'pick' || rest.length || !id || !ROW_ID.test(id) || !menu || !/^\d{1,2}$/.test(menu)) return undefined;
  return { generationId: Number(id) };
}

export function pickedToolValue(tool: PickedTool, image: number): string {
  return `${tool}:${image}`;
}

export function parsePickedToolValue(value: string): { tool: PickedTool; image: number } | undefined {
  const [tool, image, ...rest] = value.split(':');
  if (!PICKED_TOOLS.includes(tool as PickedTool) || rest.length || !image || !IMAGE_NUMBER.test(image)) return undefined;
  return { tool: tool as PickedTool, image: Number(image) };
}

/** The Edit form of image `image` of a result. */
export function editModalId(generationId: number, image: number): string {
  return `${IMAGE_TOOLS_PREFIX}:${generationId}:${image}`;
}

export function parseEditModalId(customId: string): { generationId: number; image: number } | undefined {
  const [head, id, image, ...rest] = customId.split(':');
  if (head !== IMAGE_TOOLS_PREFIX || rest.length || !id || !ROW_ID.test(id) || !image || !IMAGE_NUMBER.test(image)) return undefined;
  return { generationId: Number(id), image: Number(image) };
}

/** What an Upscale confirmation quoted: the image (the attachment of the result's message), the size and the model. */
export interface UpscaleQuote {
  generationId: number;
  attachmentId: string;
  size: string;
  /** Absent when its id was too long to fit: the confirm then picks the model again. */
  model?: string;
}

export function upscaleConfirmId(quote: UpscaleQuote): string {
  const base = `${IMAGE_TOOLS_PREFIX}:go:${quote.generationId}:${quote.attachmentId}:${quote.size}`;
  const withModel = `${base}:${quote.model ?? ''}`;
  return withModel.length <= MAX_CUSTOM_ID ? withModel : `${base}:`;
}

export function parseUpscaleConfirmId(customId: string): UpscaleQuote | undefined {
  // The model is the rest: catalog ids hold no ':', a custom one might.
  const [head, kind, id, attachmentId, size, ...model] = customId.split(':');
  if (head !== IMAGE_TOOLS_PREFIX || kind !== 'go' || !id || !ROW_ID.test(id) || !attachmentId || !SNOWFLAKE.test(attachmentId)) return undefined;
  if (!size || !PIXELS.test(size) || model.length === 0) return undefined;
  const joined = model.join(':');
  return { generationId: Number(id), attachmentId, size, ...(joined ? { model: joined } : {}) };
}
