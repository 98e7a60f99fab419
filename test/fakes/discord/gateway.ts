// The gateway WebSocket as @discordjs/ws speaks it (JSON encoding, no compression):
// HELLO on connect, HEARTBEAT_ACK for every heartbeat, READY + GUILD_CREATE after IDENTIFY,
// RESUME with replay of missed dispatches, INVALID_SESSION when a session cannot be resumed.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

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

interface Session {
  id: string;
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
  /** READY's `d` for a new session */
  readyPayload(sessionId: string, shard: unknown): Record<string, unknown>;
  /** one GUILD_CREATE `d` per guild listed in READY */
  guildPayloads(): Array<Record<string, unknown>>;
  onChange(): void;
}

export class FakeGateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  /** the session dispatches go to: the most recent one to IDENTIFY or RESUME */
  private current: Session | null = null;
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

  /** A client is connected and has received READY (or RESUMED) on its current socket. */
  isReady(): boolean {
    return this.current !== null && this.isLive(this.current);
  }

  /** Sends a dispatch to the current session; buffered for replay if its socket is momentarily gone. */
  dispatch(t: string, d: unknown): void {
    // The current session if it is connected; else any other connected one (Discord would deliver to
    // every session of the bot); else the current one's replay buffer, for a client about to RESUME.
    const current = this.current && !this.current.invalid ? this.current : null;
    const session = current && this.isLive(current) ? current : (this.latestLive() ?? current);
    if (!session) {
      throw new Error('Discord fake: no gateway session to dispatch to; start the bot and await fake.waitForReady() first');
    }
    this.push(session, t, d);
  }

  /** Closes the current session's socket. Non-resumable drops make the client IDENTIFY again. */
  drop(options: { resumable?: boolean } = {}): void {
    const session = this.current;
    if (!session) return;
    if (!options.resumable) {
      session.invalid = true;
      this.current = this.latestLive();
    }
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
        case Op.Identify:
          if (session) return ws.close(4005, 'Already authenticated');
          if (!this.tokenMatches(d.token)) return ws.close(4004, 'Authentication failed');
          session = this.identify(ws, d.shard);
          return;
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
      if (code === 1000 || code === 1001) {
        session.invalid = true;
        // Another client that is still connected (e.g. an older bot process) takes over dispatches.
        if (this.current === session) this.current = this.latestLive();
      }
      this.options.onChange();
    });
    ws.on('error', () => {
      /* a client vanishing mid-frame is normal when a bot process is killed */
    });
  }

  /** The most recently identified/resumed session that is still connected and ready. */
  private latestLive(): Session | null {
    return [...this.sessions.values()].filter((s) => this.isLive(s)).at(-1) ?? null;
  }

  private isLive(session: Session): boolean {
    return !session.invalid && session.ready && session.socket?.readyState === WebSocket.OPEN;
  }

  private tokenMatches(token: unknown): boolean {
    return typeof token === 'string' && token.replace(/^Bot\s+/i, '') === this.options.token;
  }

  private identify(ws: WebSocket, shard: unknown): Session {
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      seq: 0,
      events: [],
      socket: ws,
      ready: false,
      invalid: false,
    };
    this.sessions.set(session.id, session);
    this.identifies++;
    this.current = session;
    this.push(session, 'READY', this.options.readyPayload(session.id, shard));
    for (const guild of this.options.guildPayloads()) this.push(session, 'GUILD_CREATE', guild);
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
    this.current = session;
    this.push(session, 'RESUMED', { _trace: ['["discord-fake",{"micros":0}]'] });
    session.ready = true;
    this.options.onChange();
    return session;
  }
}
