// The gateway WebSocket as @discordjs/ws speaks it (JSON encoding, no compression):
// HELLO on connect, HEARTBEAT_ACK for every heartbeat, READY + GUILD_CREATE after IDENTIFY,
// RESUME with replay of missed dispatches, INVALID_SESSION when a session cannot be resumed,
// and guild sharding: each IDENTIFY's `shard: [shard_id, num_shards]` gets its own session, which
// receives only the events of the guilds it owns.
//
// Sharding as discord-api-docs (discord/discord-api-docs@c98d64bc) states it:
// - developers/events/gateway-events.mdx:86 — IDENTIFY's `shard?` is "array of two integers
//   (shard_id, num_shards)"; :474 — READY echoes it "if sent when identifying".
// - developers/events/gateway.mdx:612 — "Each shard can only support a maximum of 2500 guilds";
//   :627 — `shard_id = (guild_id >> 22) % num_shards`; :633 — "Gateway events that do not contain
//   a `guild_id` will only be sent to the first shard (`shard_id: 0`)"; :636 — sessions may use
//   different `num_shards` values and several may share one `[shard_id, num_shards]`;
//   :711 — under large bot sharding a count that is not a multiple of the assigned one closes 4010.
// - developers/topics/opcodes-and-status-codes.mdx:47 — 4010 Invalid shard; :48 — 4011 Sharding
//   required ("The session would have handled too many guilds").
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { FakeGatewaySession } from './types.js';

const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
  RequestSoundboardSounds: 31,
} as const;
type Op = (typeof Op)[keyof typeof Op];

/** Long enough that heartbeats never matter during a test; discord.js jitters the first one. */
const HEARTBEAT_INTERVAL = 41_250;
/** Dispatches kept per session for RESUME replay. */
const REPLAY_BUFFER = 1000;

interface DispatchFrame {
  op: typeof Op.Dispatch;
  t: string;
  s: number;
  d: unknown;
}

/** `[shard_id, num_shards]`; a client that sends no `shard` is `[0, 1]`: every guild. */
export type ShardTuple = [number, number];

interface Session {
  id: string;
  shard: ShardTuple;
  seq: number;
  events: DispatchFrame[];
  socket: WebSocket | null;
  /** cleared once READY/RESUMED went out on the current socket */
  ready: boolean;
  invalid: boolean;
}

export interface GatewayOptions {
  token: string;
  /** the ws:// URL sent as resume_gateway_url (the same server) */
  resumeUrl: string;
  /** every guild the bot is in */
  guildIds(): string[];
  /** READY's `d` for a new session that owns `guildIds` (`shard` only when the client sent one) */
  readyPayload(sessionId: string, shard: ShardTuple | undefined, guildIds: string[]): Record<string, unknown>;
  /** the GUILD_CREATE `d` of one guild listed in READY */
  guildPayload(guildId: string): Record<string, unknown>;
  /** more guilds than this on one session closes it with 4011 (Discord: 2500) */
  maxGuildsPerShard: number;
  /** large bot sharding: num_shards must be a multiple of this, else 4010 */
  shardMultiple?: number;
  onChange(): void;
}

/** The shard a guild's events go to (gateway.mdx:627); events without a guild go to shard 0. */
export function shardIdOf(guildId: string | null, numShards: number): number {
  return guildId === null ? 0 : Number((BigInt(guildId) >> 22n) % BigInt(numShards));
}

const owns = (session: Session, guildId: string | null): boolean => shardIdOf(guildId, session.shard[1]) === session.shard[0];

export class FakeGateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  /** in order of the last IDENTIFY or RESUME: the newest session of a shard is the last one */
  private readonly sessions = new Map<string, Session>();
  identifies = 0;

  constructor(private readonly options: GatewayOptions) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://gateway');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // Only JSON without transport compression is spoken; ETF or zlib-stream clients get a decode error.
      if ((url.searchParams.get('encoding') ?? 'json') !== 'json' || url.searchParams.has('compress')) {
        ws.close(4002, 'Only encoding=json without compress is supported by the fake');
        return;
      }
      this.onConnection(ws);
    });
  }

  /**
   * Every guild, and the DM traffic of shard 0, has a connected session that received READY (or
   * RESUMED) on its current socket: a sharded client is ready once all its shards are.
   */
  isReady(): boolean {
    return [null, ...this.options.guildIds()].every((guildId) => this.live().some((session) => owns(session, guildId)));
  }

  /** Sessions that are connected or still resumable, oldest first. */
  sessionInfo(): FakeGatewaySession[] {
    const guildIds = this.options.guildIds();
    return this.usable().map((session) => ({
      shard: [...session.shard],
      connected: this.isLive(session),
      guildIds: guildIds.filter((guildId) => owns(session, guildId)),
    }));
  }

  /**
   * Sends a dispatch to the session of the shard that owns `d.guild_id` (shard 0 without one), and
   * returns that session's shard. Among several sessions of that shard the newest connected one gets
   * it (Discord would deliver to each of them), else the newest one's replay buffer, for a client
   * about to RESUME.
   */
  dispatch(t: string, d: unknown): ShardTuple {
    const guildId = typeof d === 'object' && d !== null && 'guild_id' in d && typeof d.guild_id === 'string' ? d.guild_id : null;
    const owners = this.usable().filter((session) => owns(session, guildId));
    const session = owners.filter((s) => this.isLive(s)).at(-1) ?? owners.at(-1);
    if (!session) {
      const what = guildId === null ? 'DM traffic (shard 0)' : `guild ${guildId}`;
      throw new Error(`Discord fake: no gateway session owns ${what}; start the bot and await fake.waitForReady() first`);
    }
    this.push(session, t, d);
    return [...session.shard];
  }

  /**
   * Closes the socket of the newest session (of one shard id when given). Non-resumable drops make
   * the client IDENTIFY again.
   */
  drop(options: { resumable?: boolean; shard?: number } = {}): void {
    const session = this.usable()
      .filter((s) => options.shard === undefined || s.shard[0] === options.shard)
      .at(-1);
    if (!session) return;
    if (!options.resumable) session.invalid = true;
    session.ready = false;
    // 4000 (unknown error) makes @discordjs/ws reconnect and try to RESUME.
    session.socket?.close(4000, 'Dropped by the Discord fake');
    this.options.onChange();
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private push(session: Session, t: string, d: unknown): void {
    const frame: DispatchFrame = { op: Op.Dispatch, t, s: ++session.seq, d };
    session.events.push(frame);
    if (session.events.length > REPLAY_BUFFER) session.events.shift();
    if (session.socket?.readyState === WebSocket.OPEN) session.socket.send(JSON.stringify(frame));
  }

  private onConnection(ws: WebSocket): void {
    let session: Session | null = null;
    const send = (op: Op, d: unknown): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ op, d, s: null, t: null }));
    };
    send(Op.Hello, { heartbeat_interval: HEARTBEAT_INTERVAL, _trace: ['["discord-fake",{"micros":0}]'] });

    ws.on('message', (raw) => {
      let frame: { op?: unknown; d?: unknown };
      try {
        frame = JSON.parse(String(raw)) as { op?: unknown; d?: unknown };
      } catch {
        ws.close(4002, 'Decode error');
        return;
      }
      const d = (typeof frame.d === 'object' && frame.d !== null ? frame.d : {}) as Record<string, unknown>;
      switch (frame.op) {
        case Op.Heartbeat:
          send(Op.HeartbeatAck, null);
          return;
        case Op.Identify: {
          if (session) return ws.close(4005, 'Already authenticated');
          if (!this.tokenMatches(d.token)) return ws.close(4004, 'Authentication failed');
          const shard = this.checkShard(d.shard);
          if (shard === 'invalid') return ws.close(4010, 'Invalid shard');
          if (shard === 'required') return ws.close(4011, 'Sharding required');
          session = this.identify(ws, shard, d.shard !== undefined);
          return;
        }
        case Op.Resume: {
          if (session) return ws.close(4005, 'Already authenticated');
          const resumed = this.tokenMatches(d.token) ? this.resume(ws, String(d.session_id), Number(d.seq)) : null;
          // d:false tells the client to start over with IDENTIFY on a new connection.
          if (!resumed) send(Op.InvalidSession, false);
          session = resumed;
          return;
        }
        case Op.PresenceUpdate:
        case Op.VoiceStateUpdate:
        case Op.RequestGuildMembers:
        case Op.RequestSoundboardSounds:
          if (!session) ws.close(4003, 'Not authenticated');
          return;
        default:
          ws.close(4001, 'Unknown opcode');
      }
    });

    ws.on('close', (code) => {
      if (!session || session.socket !== ws) return;
      session.socket = null;
      session.ready = false;
      // A clean close (1000/1001) ends the session on Discord; anything else leaves it resumable.
      // Another session of the shard that is still connected (e.g. an older bot process) then takes over.
      if (code === 1000 || code === 1001) session.invalid = true;
      this.options.onChange();
    });
    ws.on('error', () => {
      /* a client vanishing mid-frame is normal when a bot process is killed */
    });
  }

  /** Sessions not ended for good (connected, or away and resumable), oldest first. */
  private usable(): Session[] {
    return [...this.sessions.values()].filter((session) => !session.invalid);
  }

  private live(): Session[] {
    return this.usable().filter((session) => this.isLive(session));
  }

  /**
   * IDENTIFY's `shard`: absent is `[0, 1]`; a malformed one, a shard id outside 0..num_shards-1 or,
   * under large bot sharding, a count that is not a multiple of the assigned one is 'invalid' (4010);
   * a session that would own more guilds than a shard may is 'required' (4011).
   */
  private checkShard(raw: unknown): ShardTuple | 'invalid' | 'required' {
    const shard: unknown = raw ?? [0, 1];
    if (!Array.isArray(shard) || shard.length !== 2 || !shard.every((n) => Number.isInteger(n))) return 'invalid';
    const [id, count] = shard as ShardTuple;
    if (count < 1 || id < 0 || id >= count) return 'invalid';
    if (this.options.shardMultiple && count % this.options.shardMultiple !== 0) return 'invalid';
    const owned = this.options.guildIds().filter((guildId) => shardIdOf(guildId, count) === id).length;
    return owned > this.options.maxGuildsPerShard ? 'required' : [id, count];
  }

  private isLive(session: Session): boolean {
    return !session.invalid && session.ready && session.socket?.readyState === WebSocket.OPEN;
  }

  private tokenMatches(token: unknown): boolean {
    return typeof token === 'string' && token.replace(/^Bot\s+/i, '') === this.options.token;
  }

  private identify(ws: WebSocket, shard: ShardTuple, sentShard: boolean): Session {
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      shard,
      seq: 0,
      events: [],
      socket: ws,
      ready: false,
      invalid: false,
    };
    this.sessions.set(session.id, session);
    this.identifies++;
    const guildIds = this.options.guildIds().filter((guildId) => owns(session, guildId));
    this.push(session, 'READY', this.options.readyPayload(session.id, sentShard ? [...shard] : undefined, guildIds));
    for (const guildId of guildIds) this.push(session, 'GUILD_CREATE', this.options.guildPayload(guildId));
    session.ready = true;
    this.options.onChange();
    return session;
  }

  private resume(ws: WebSocket, sessionId: string, seq: number): Session | null {
    const session = this.sessions.get(sessionId);
    if (!session || session.invalid) return null;
    if (session.socket && session.socket !== ws) session.socket.close(4000, 'Session resumed elsewhere');
    session.socket = ws;
    for (const frame of session.events) if (frame.s > seq) ws.send(JSON.stringify(frame));
    this.sessions.delete(session.id);
    this.sessions.set(session.id, session);
    this.push(session, 'RESUMED', { _trace: ['["discord-fake",{"micros":0}]'] });
    session.ready = true;
    this.options.onChange();
    return session;
  }
}
