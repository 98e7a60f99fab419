// The test-driver side of interactions: builds INTERACTION_CREATE payloads the way Discord sends
// them (enough for discord.js 14 to construct its interaction classes), dispatches them on the
// gateway, and hands tests an InteractionHandle to observe callbacks and messages.
import { randomBytes } from 'node:crypto';
import type { FakeGateway } from './gateway.js';
import { serializeMessage } from './messages.js';
import {
  channelJson,
  DEFAULT_APP_PERMISSIONS,
  DEFAULT_MEMBER_PERMISSIONS,
  DM_PERMISSIONS,
  memberJson,
  userJson,
  type World,
} from './payloads.js';
import { collectCustomIds, fillModal, findComponent } from './components.js';
import { makeHandle } from './handle.js';
import type { FakeStore, InteractionRecord, StoredChannel } from './store.js';
import type {
  ComponentInteractOptions,
  FakeMessage,
  FakeUser,
  InteractionHandle,
  InteractOptions,
  SubmitModalOptions,
} from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface DriverDeps {
  store: FakeStore;
  gateway: FakeGateway;
  /** the first guild: where interactions go unless they name another */
  world: World;
  guilds: ReadonlyMap<string, World>;
  defaultUser: FakeUser;
  attachmentSizeLimit: number;
  ackDeadlineMs: number;
}

interface Spec extends ComponentInteractOptions {
  type: number;
  data: Obj;
  guildId?: string | null;
  channelId?: string;
  nsfwChannel?: boolean;
  /** the message a component or modal interaction came from */
  message?: FakeMessage;
  responseMessageType: number;
}

export class InteractionDriver {
  /** ids for commands that were never registered, stable per name */
  private readonly adHocCommandIds = new Map<string, string>();

  constructor(private readonly deps: DriverDeps) {}

  interact(options: InteractOptions): InteractionHandle {
    const type = options.type ?? 2;
    if (type === 3) {
      if (!options.message || !options.customId) throw new Error('Discord fake: type 3 needs `message` and `customId` (or use clickButton)');
      return this.clickButton(options.message, options.customId, options);
    }
    if (type === 5) {
      if (!options.customId) throw new Error('Discord fake: type 5 needs `customId` (or use submitModal)');
      return this.submitModal(options.customId, options.values ?? {}, options);
    }
    const guildId = options.guildId === undefined ? this.deps.world.guildId : options.guildId;
    const commandType = options.commandType ?? 1;
    const command = this.commandFor(options.name, commandType, guildId);
    const data: Obj = {
      id: command.id,
      name: options.name,
      type: commandType,
      ...(command.guildId ? { guild_id: command.guildId } : {}),
      ...(options.options ? { options: options.options } : {}),
      ...(options.resolved === undefined ? {} : { resolved: options.resolved }),
      ...(options.targetId ? { target_id: options.targetId } : {}),
    };
    // Discord's response messages to commands are type 20 (chat input) or 23 (context menu).
    return this.dispatch({ ...options, type, data, guildId, responseMessageType: commandType === 1 ? 20 : 23 });
  }

  clickButton(message: FakeMessage, customId: string, opts: ComponentInteractOptions = {}): InteractionHandle {
    const { stored } = this.usableComponent(message, customId, 2, 'a button');
    return this.dispatchComponent(stored, { custom_id: customId, component_type: 2 }, opts);
  }

  /**
   * A choice in a string select menu: MESSAGE_COMPONENT data `{ custom_id, component_type: 3, values }`
   * (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-message-component-data-structure).
   * The Discord client only lets a user pick offered values, between min_values and max_values (both 1 by default).
   */
  chooseOption(message: FakeMessage, customId: string, values: string[], opts: ComponentInteractOptions = {}): InteractionHandle {
    const { stored, found } = this.usableComponent(message, customId, 3, 'a string select');
    const offered = Array.isArray(found.options) ? found.options.filter(isObj).map((option) => String(option.value)) : [];
    const missing = values.filter((value) => !offered.includes(value));
    if (missing.length) throw new Error(`Discord fake: select "${customId}" offers no ${missing.join(', ')} (it offers: ${offered.join(', ')})`);
    const min = typeof found.min_values === 'number' ? found.min_values : 1;
    const max = typeof found.max_values === 'number' ? found.max_values : 1;
    if (values.length < min || values.length > max || new Set(values).size !== values.length) {
      throw new Error(`Discord fake: select "${customId}" takes ${min}..${max} distinct values, not ${values.length}`);
    }
    return this.dispatchComponent(stored, { custom_id: customId, component_type: 3, values }, opts);
  }

  /** The live message and its enabled component of this type, as a user could use it. */
  private usableComponent(message: FakeMessage, customId: string, type: number, what: string): { stored: FakeMessage; found: Obj } {
    const stored = this.deps.store.messages.get(message.id);
    if (!stored || stored.deleted) throw new Error(`Discord fake: message ${message.id} does not exist (or was deleted)`);
    const found = findComponent(stored.components, customId);
    if (!found) {
      const ids = collectCustomIds(stored.components);
      throw new Error(`Discord fake: message ${message.id} has no component "${customId}" (it has: ${ids.join(', ') || 'none'})`);
    }
    if (found.type !== type) throw new Error(`Discord fake: component "${customId}" is type ${String(found.type)}, not ${what}`);
    if (found.disabled === true) throw new Error(`Discord fake: component "${customId}" is disabled; a user cannot use it`);
    return { stored, found };
  }

  private dispatchComponent(stored: FakeMessage, data: Obj, opts: ComponentInteractOptions): InteractionHandle {
    const channel = this.deps.store.channels.get(stored.channel_id);
    return this.dispatch({
      ...opts,
      type: 3,
      data,
      guildId: channel?.guild_id ?? null,
      channelId: stored.channel_id,
      message: stored,
      responseMessageType: 0,
    });
  }

  submitModal(from: InteractionHandle | string, values: Record<string, string>, opts: SubmitModalOptions = {}): InteractionHandle {
    if (typeof from === 'string') {
      const components = Object.entries(values).map(([customId, value]) => ({
        type: 1,
        components: [{ type: 4, custom_id: customId, value }],
      }));
      return this.dispatch({
        ...opts,
        type: 5,
        data: { custom_id: from, components },
        ...(opts.message ? { message: this.storedMessage(opts.message) } : {}),
        responseMessageType: 0,
      });
    }
    const opener = this.deps.store.interactions.get(from.id);
    const modal = opener?.callbacks.find((c) => c.type === 9)?.data;
    if (!opener || !isObj(modal) || !Array.isArray(modal.components)) {
      throw new Error(`Discord fake: interaction ${from.id} did not answer with a modal (callback type 9)`);
    }
    const components = fillModal(modal.components, values);
    const source = opts.message
      ? this.storedMessage(opts.message)
      : opener.type === 3 && opener.sourceMessageId
        ? this.deps.store.messages.get(opener.sourceMessageId)
        : undefined;
    return this.dispatch({
      user: opener.user,
      guildId: opener.guildId,
      channelId: opener.channelId,
      locale: typeof opener.payload.locale === 'string' ? opener.payload.locale : 'en-US',
      ...opts,
      type: 5,
      data: { custom_id: modal.custom_id, components },
      ...(source ? { message: source } : {}),
      responseMessageType: 0,
    });
  }

  private storedMessage(message: FakeMessage): FakeMessage {
    const stored = this.deps.store.messages.get(message.id);
    if (!stored) throw new Error(`Discord fake: message ${message.id} does not exist`);
    return stored;
  }

  private commandFor(name: string, type: number, guildId: string | null): { id: string; guildId?: string } {
    const { store } = this.deps;
    const matches = (c: { name: string; type: number }): boolean => c.name === name && (c.type ?? 1) === type;
    const guildCommand = guildId ? store.commands.get(guildId)?.find(matches) : undefined;
    if (guildCommand && guildId) return { id: guildCommand.id, guildId };
    const globalCommand = store.commands.get('')?.find(matches);
    if (globalCommand) return { id: globalCommand.id };
    const key = `${type}:${name}`;
    let id = this.adHocCommandIds.get(key);
    if (!id) {
      id = store.ids.next();
      this.adHocCommandIds.set(key, id);
    }
    return { id };
  }

  private channelFor(spec: Spec, user: FakeUser, guildId: string | null): StoredChannel {
    const { store, guilds } = this.deps;
    if (guildId === null) return store.dmChannelFor(user);
    const guild = guilds.get(guildId);
    if (!guild) throw new Error(`Discord fake: unknown guild ${guildId}; the fake's guilds are ${[...guilds.keys()].join(', ')} (option guilds)`);
    const channelId = spec.channelId ?? (spec.nsfwChannel ? guild.nsfwChannelId : guild.channelId);
    const channel = store.channels.get(channelId);
    if (!channel || channel.guild_id !== guildId) throw new Error(`Discord fake: unknown guild channel ${channelId}`);
    return channel;
  }

  private dispatch(spec: Spec): InteractionHandle {
    const { store, world } = this.deps;
    const user = spec.user ?? this.deps.defaultUser;
    store.rememberUser(user);
    const guildId = spec.guildId === undefined ? (spec.message?.guild_id ?? world.guildId) : spec.guildId;
    const channel = this.channelFor(spec, user, guildId);
    const createdAt = spec.createdAt ?? store.now();
    const id = store.ids.next(createdAt);
    // Real tokens are long opaque base64url strings; the prefix decodes to "interaction:".
    const token = `aW50ZXJhY3Rpb246${Buffer.from(id).toString('base64url')}${randomBytes(48).toString('base64url')}`;
    const attachmentSizeLimit = spec.attachmentSizeLimit ?? this.deps.attachmentSizeLimit;
    const permissions = spec.memberPermissions ?? DEFAULT_MEMBER_PERMISSIONS;
    const locale = spec.locale ?? 'en-US';
    const payload: Obj = {
      id,
      application_id: world.applicationId,
      type: spec.type,
      token,
      version: 1,
      data: spec.data,
      channel_id: channel.id,
      locale,
      entitlements: [],
      attachment_size_limit: attachmentSizeLimit,
      ...(guildId
        ? {
            guild_id: guildId,
            guild: { id: guildId, locale: 'en-US', features: [] },
            guild_locale: 'en-US',
            channel: channelJson(channel, { permissions }),
            member: memberJson(user, {
              roles: spec.roles ?? [],
              joinedAt: world.joinedAt,
              permissions,
            }),
            app_permissions: DEFAULT_APP_PERMISSIONS,
            authorizing_integration_owners: { '0': guildId },
            context: 0,
          }
        : {
            channel: channelJson(channel),
            user: userJson(user),
            app_permissions: DM_PERMISSIONS,
            // A guild-installed app used in its bot DM: key 0 (guild install) with value "0".
            authorizing_integration_owners: { '0': '0' },
            context: 1,
          }),
      ...(spec.message ? { message: serializeMessage(store, spec.message) } : {}),
    };
    const dispatchedAt = Date.now();
    const record: InteractionRecord = {
      id,
      token,
      type: spec.type,
      createdAt,
      dispatchedAt,
      ackDeadlineAt: dispatchedAt + this.deps.ackDeadlineMs,
      attachmentSizeLimit,
      user,
      guildId,
      channelId: channel.id,
      payload,
      callbacks: [],
      followupIds: [],
      messagesBefore: store.messages.size,
      responseMessageType: spec.responseMessageType,
      ...(spec.message ? { sourceMessageId: spec.message.id } : {}),
    };
    store.interactions.set(id, record);
    store.interactionsByToken.set(token, record);
    try {
      // On the session of the shard that owns the guild (DMs: shard 0), as Discord routes it.
      record.shard = this.deps.gateway.dispatch('INTERACTION_CREATE', payload);
    } catch (error) {
      store.interactions.delete(id);
      store.interactionsByToken.delete(token);
      throw error;
    }
    store.changed();
    return makeHandle(store, record);
  }
}
