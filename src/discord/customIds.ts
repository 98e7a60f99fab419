// Button state lives in the custom_id (and the usage log row it names), never in memory, so the
// buttons keep working after a restart. Format: `img:<action>:<usage row id>` (ids ≤ 100 chars).
export type ResultAction = 'reroll' | 'details' | 'delete';

const ACTIONS: readonly ResultAction[] = ['reroll', 'details', 'delete'];
const PREFIX = 'img';

export function resultButtonId(action: ResultAction, generationId: number): string {
  return `${PREFIX}:${action}:${generationId}`;
}

export function parseResultButtonId(customId: string): { action: ResultAction; generationId: number } | undefined {
  const [prefix, action, id] = customId.split(':');
  if (prefix !== PREFIX || !ACTIONS.includes(action as ResultAction) || !id || !/^\d{1,15}$/.test(id)) return undefined;
  return { action: action as ResultAction, generationId: Number(id) };
}
