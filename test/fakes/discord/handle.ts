// The InteractionHandle tests get back from interact()/clickButton()/submitModal(): snapshots of the
// interaction's messages and waits that wake on every change of the fake (no polling).
import { snapshot, waitUntil, type FakeStore, type InteractionRecord } from './store.js';
import type { FakeMessage, InteractionHandle, InteractionState } from './types.js';

export function makeHandle(store: FakeStore, record: InteractionRecord): InteractionHandle {
  const messageById = (id: string | undefined): FakeMessage | undefined => {
    const message = id ? store.messages.get(id) : undefined;
    return message ? snapshot(message) : undefined;
  };
  const followups = (): FakeMessage[] => record.followupIds.flatMap((id) => messageById(id) ?? []);
  const state = (): InteractionState => {
    const later = [...store.messages.values()].slice(record.messagesBefore).filter((m) => !m.interaction_token);
    const dm = [...store.channels.values()].find((c) => c.type === 1 && c.recipient?.id === record.user.id);
    const original = messageById(record.originalMessageId);
    return {
      ...(original ? { original } : {}),
      followups: followups(),
      channelMessages: later.filter((m) => m.channel_id === record.channelId).map(snapshot),
      dms: dm ? later.filter((m) => m.channel_id === dm.id).map(snapshot) : [],
    };
  };
  const describeState = (): string => {
    const s = state();
    const show = (m: FakeMessage): string => JSON.stringify({ content: m.content, flags: m.flags, attachments: m.attachments.map((a) => a.filename) });
    return `a predicate on interaction ${record.id}; callbacks: [${record.callbacks.map((c) => c.type).join(', ')}], original: ${
      s.original ? show(s.original) : 'none'
    }, followups: [${s.followups.map(show).join(', ')}], channel messages: ${s.channelMessages.length}, DMs: ${s.dms.length}`;
  };
  return {
    id: record.id,
    token: record.token,
    type: record.type,
    user: record.user,
    channelId: record.channelId,
    guildId: record.guildId,
    payload: record.payload,
    callbacks: record.callbacks,
    dispatchedAt: record.dispatchedAt,
    createdAt: record.createdAt,
    shard: record.shard ?? [0, 1],
    waitForCallback: (timeoutMs = 5000) =>
      waitUntil(store, () => record.callbacks[0], timeoutMs, () => `the first callback to interaction ${record.id}`),
    original: () => messageById(record.originalMessageId),
    followups,
    state,
    waitFor: async (predicate, timeoutMs = 10_000) => {
      await waitUntil(store, () => predicate(state()), timeoutMs, describeState);
    },
  };
}
