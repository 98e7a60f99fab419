// Routes reached with an interaction token instead of the bot token: the initial callback
// (3-second deadline, once only) and the webhook routes for @original and follow-ups (15-minute
// token lifetime on the fake's clock).
import { errors, formError, type RequestContext, type RouteResult, type Router } from './http.js';
import {
  asPayload,
  createLoadingMessage,
  createMessage,
  deleteMessage,
  editMessage,
  EPHEMERAL,
  INTERACTION_FLAGS,
  LOADING,
  serializeMessage,
  type MessageWorld,
} from './messages.js';
import type { InteractionRecord, StoredChannel } from './store.js';
import type { FakeMessage, FakeUser } from './types.js';
import { validateAutocompleteChoices, validateModal } from './validate.js';

export interface InteractionRoutesDeps extends MessageWorld {
  applicationId: string;
  botUser: FakeUser;
  tokenLifetimeMs: number;
}

/** Callback types each interaction type may answer with (Discord refuses the rest). */
function allowedCallbacks(record: InteractionRecord): number[] {
  switch (record.type) {
    case 2:
      return [4, 5, 9];
    case 3:
      return [4, 5, 6, 7, 9];
    case 4:
      return [8];
    case 5:
      return record.sourceMessageId ? [4, 5, 6, 7] : [4, 5];
    default:
      return [];
  }
}

export function registerInteractionRoutes(router: Router, deps: InteractionRoutesDeps): void {
  const { store } = deps;

  const channelOf = (record: InteractionRecord): StoredChannel => {
    const channel = store.channels.get(record.channelId);
    if (!channel) throw errors.unknownChannel();
    return channel;
  };

  const liveMessage = (id: string | undefined): FakeMessage => {
    const message = id ? store.messages.get(id) : undefined;
    if (!message || message.deleted) throw errors.unknownMessage();
    return message;
  };

  const callback = (ctx: RequestContext): RouteResult => {
    const record = store.interactions.get(ctx.params.id ?? '');
    if (!record || record.token !== ctx.params.token) throw errors.unknownInteraction();
    if (record.callbacks.length > 0) throw errors.alreadyAcknowledged();
    // The 3 seconds run on real time from the dispatch, independent of the controllable clock.
    if (Date.now() > record.ackDeadlineAt) throw errors.unknownInteraction();
    const body = asPayload(ctx.payload);
    const type = body.type;
    if (typeof type !== 'number' || !allowedCallbacks(record).includes(type)) {
      throw formError('type', 'INTERACTION_CALLBACK_TYPE_INVALID', `Interaction callback type ${String(type)} is not valid for interaction type ${record.type}`);
    }
    const data = body.data;
    let message: FakeMessage | undefined;
    switch (type) {
      case 4:
        message = createMessage(deps, {
          channel: channelOf(record),
          payload: asPayload(data),
          files: ctx.files,
          limit: record.attachmentSizeLimit,
          author: deps.botUser,
          allowedFlags: INTERACTION_FLAGS,
          type: record.responseMessageType,
          interaction: record,
        });
        break;
      case 5: {
        const flags = asPayload(data).flags;
        const ephemeral = typeof flags === 'number' && (flags & EPHEMERAL) !== 0;
        message = createLoadingMessage(deps, channelOf(record), deps.botUser, record, ephemeral);
        break;
      }
      case 6:
        message = liveMessage(record.sourceMessageId);
        break;
      case 7:
        message = editMessage(deps, liveMessage(record.sourceMessageId), asPayload(data), ctx.files, record.attachmentSizeLimit);
        break;
      case 8:
        validateAutocompleteChoices(data);
        break;
      case 9:
        validateModal(data);
        break;
    }
    if (message) record.originalMessageId = message.id;
    record.callbacks.push({ type, ...(data === undefined ? {} : { data }), at: Date.now() });
    store.changed();
    if (ctx.query.get('with_response') !== 'true') return { status: 204 };
    return {
      status: 200,
      body: {
        interaction: {
          id: record.id,
          type: record.type,
          ...(message
            ? {
                response_message_id: message.id,
                response_message_loading: (message.flags & LOADING) !== 0,
                response_message_ephemeral: (message.flags & EPHEMERAL) !== 0,
              }
            : {}),
        },
        resource: { type, ...(message && type !== 6 ? { message: serializeMessage(store, message) } : {}) },
      },
    };
  };

  /** The interaction behind a webhook token, if the token is still valid. */
  const tokenRecord = (ctx: RequestContext): InteractionRecord => {
    if (ctx.params.app !== deps.applicationId) throw errors.unknownWebhook();
    const record = store.interactionsByToken.get(ctx.params.token ?? '');
    if (!record) throw errors.invalidWebhookToken();
    if (store.now() - record.createdAt >= deps.tokenLifetimeMs) throw errors.invalidWebhookToken();
    // Until the interaction is acknowledged there is no webhook behind the token.
    if (record.callbacks.length === 0) throw errors.unknownWebhook();
    return record;
  };

  /** `@original` or a message this token created; anything else is unknown to the token. */
  const tokenMessage = (record: InteractionRecord, id: string): FakeMessage => {
    const resolved = id === '@original' ? record.originalMessageId : id;
    if (!resolved || (resolved !== record.originalMessageId && !record.followupIds.includes(resolved))) {
      throw errors.unknownMessage();
    }
    return liveMessage(resolved);
  };

  const followup = (ctx: RequestContext): RouteResult => {
    const record = tokenRecord(ctx);
    const payload = asPayload(ctx.payload);
    const original = record.originalMessageId ? store.messages.get(record.originalMessageId) : undefined;
    let message: FakeMessage;
    if (record.callbacks[0]?.type === 5 && original && !original.deleted && original.flags & LOADING) {
      // Discord: the first follow-up after a deferral replaces the "thinking…" message (keeping the
      // deferral's ephemeral state) instead of posting a new one.
      const { flags: _ignored, ...rest } = payload;
      message = editMessage(deps, original, rest, ctx.files, record.attachmentSizeLimit);
    } else {
      message = createMessage(deps, {
        channel: channelOf(record),
        payload,
        files: ctx.files,
        limit: record.attachmentSizeLimit,
        author: deps.botUser,
        allowedFlags: INTERACTION_FLAGS,
        type: 0,
        interaction: record,
      });
      record.followupIds.push(message.id);
      store.changed();
    }
    if (ctx.query.get('wait') !== 'true') return { status: 204 };
    return { status: 200, body: serializeMessage(store, message) };
  };

  router.add('POST', '/interactions/:id/:token/callback', callback, { auth: false });
  router.add('POST', '/webhooks/:app/:token', followup, { auth: false });
  router.add(
    'GET',
    '/webhooks/:app/:token/messages/:message',
    (ctx) => {
      const record = tokenRecord(ctx);
      return { status: 200, body: serializeMessage(store, tokenMessage(record, ctx.params.message ?? '')) };
    },
    { auth: false },
  );
  router.add(
    'PATCH',
    '/webhooks/:app/:token/messages/:message',
    (ctx) => {
      const record = tokenRecord(ctx);
      const message = tokenMessage(record, ctx.params.message ?? '');
      editMessage(deps, message, asPayload(ctx.payload), ctx.files, record.attachmentSizeLimit);
      return { status: 200, body: serializeMessage(store, message) };
    },
    { auth: false },
  );
  router.add(
    'DELETE',
    '/webhooks/:app/:token/messages/:message',
    (ctx) => {
      const record = tokenRecord(ctx);
      deleteMessage(deps, tokenMessage(record, ctx.params.message ?? ''));
      return { status: 204 };
    },
    { auth: false },
  );
}
