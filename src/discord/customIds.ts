// Button state lives in the custom_id (and the usage log row it names), never in memory, so the
// buttons keep working after a restart. Formats (ids ≤ 100 chars):
// - `img:<action>:<usage row id>` under a result;
// - `mod:<action>:<usage row id>` under a report in the log channel (moderators' quick actions).
export type ResultAction = 'reroll' | 'details' | 'delete' | 'report';
export type ModerationAction = 'delete' | 'block';

const ACTIONS: readonly ResultAction[] = ['reroll', 'details', 'delete', 'report'];
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
