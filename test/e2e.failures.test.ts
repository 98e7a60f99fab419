// Issue 3, end to end: every failure path ends well. The real bot process (dist/src/main.js, what
// `npm start` runs) against the relay fake and the Discord fake. Each failure must end in a message
// that says what happened and what to do, in the user's language; the usage row's outcome matches
// the failure class; the process stays up and serves the next /imagine; the API key never shows up
// in a message, a log line or the database.
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage, InteractionHandle, InteractionState, InteractOption } from './fakes/discord/index.js';
import type { Fault } from './fakes/relay/index.js';
import { serveUndecodablePng } from './helpers/brokenImage.js';
import { keyHaystacks, keyLeaks, keyNeedles, startWorld, type World } from './helpers/world.js';

const MiB = 1024 * 1024;
const LOADING = 128;
const TOKEN_LIFETIME_MS = 15 * 60 * 1000;
const TOKEN_SAFETY_MARGIN_MS = 60 * 1000;

/** A key no test data could contain by accident; both worlds use it so both can be searched. */
const KEY_SUFFIX = randomBytes(12).toString('hex');
const KEY = `sk-LEAKCHECK-${KEY_SUFFIX}`;

interface ImagineOptions {
  model?: string;
  size?: string;
  quality?: string;
  locale?: string;
  createdAt?: number;
  attachmentSizeLimit?: number;
}

/** Every interaction a world saw, so the leak check can read all their messages. */
const handles = new Map<World, InteractionHandle[]>();

function imagine(world: World, prompt: string, options: ImagineOptions = {}): InteractionHandle {
  const commandOptions: InteractOption[] = [{ name: 'prompt', type: 3, value: prompt }];
  if (options.model) commandOptions.push({ name: 'model', type: 3, value: options.model });
  if (options.size) commandOptions.push({ name: 'size', type: 3, value: options.size });
  if (options.quality) commandOptions.push({ name: 'quality', type: 3, value: options.quality });
  const handle = world.discord.interact({
    name: 'imagine',
    options: commandOptions,
    ...(options.locale ? { locale: options.locale } : {}),
    ...(options.createdAt !== undefined ? { createdAt: options.createdAt } : {}),
    ...(options.attachmentSizeLimit !== undefined ? { attachmentSizeLimit: options.attachmentSizeLimit } : {}),
  });
  handles.get(world)?.push(handle);
  return handle;
}

/** The deferred reply once it was edited into a result or a failure (progress edits carry no embed). */
function finalOriginal(state: InteractionState): FakeMessage | undefined {
  const original = state.original;
  if (!original || original.deleted || original.flags & LOADING) return undefined;
  return original.embeds.length > 0 || original.attachments.length > 0 ? original : undefined;
}

type Route = 'reply' | 'channel' | 'dm';

/** Waits for the message that ends the interaction, wherever the bot put it. */
async function outcomeMessage(handle: InteractionHandle, timeoutMs = 20_000): Promise<{ message: FakeMessage; via: Route }> {
  const ack = await handle.waitForCallback(3000);
  expect(ack.type).toBe(5);
  await handle.waitFor((s) => finalOriginal(s) !== undefined || s.channelMessages.length > 0 || s.dms.length > 0, timeoutMs);
  const state = handle.state();
  const original = finalOriginal(state);
  if (original) return { message: original, via: 'reply' };
  if (state.channelMessages[0]) return { message: state.channelMessages[0], via: 'channel' };
  return { message: state.dms[0]!, via: 'dm' };
}

interface EmbedJson {
  title?: string;
  description?: string;
  footer?: { text?: string };
  fields?: Array<{ name?: string; value?: string }>;
}

/** What the user reads: the content and every text of every embed. */
function textOf(message: FakeMessage): string {
  const parts: Array<string | undefined> = [message.content];
  for (const embed of message.embeds as EmbedJson[]) {
    parts.push(embed.title, embed.description, embed.footer?.text);
    for (const field of embed.fields ?? []) parts.push(field.name, field.value);
  }
  return parts.filter((part): part is string => Boolean(part)).join('\n');
}

/** The usage row of an interaction, once it is no longer pending (and, for a success, delivered). */
async function rowFor(world: World, handle: InteractionHandle, timeoutMs = 5000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = world.usageRows().find((candidate) => candidate.interaction_id === handle.id);
    const settled = row && row.outcome !== 'pending' && (row.outcome !== 'success' || row.message_id !== null);
    if (settled) return row;
    if (Date.now() > deadline) throw new Error(`usage row of ${handle.id} did not settle: ${JSON.stringify(row)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const EXPECT_NEXT_PROMPT = 'a quiet lighthouse at dusk';

/** The bot is still up and a plain /imagine still works, delivered as an edit of the reply. */
function ledgerRow(world: World, key: string): Record<string, unknown> | undefined {
  const db = new Database(world.dbPath, { readonly: true });
  try {
    return db
      .prepare('SELECT state, possibly_billed, images, cost_micros, reserved_cost_micros FROM ledger WHERE key = ?')
      .get(key) as Record<string, unknown> | undefined;
  } finally {
    db.close();
  }
}

async function expectNextImagineWorks(world: World): Promise<void> {
  expect(world.bot.child.exitCode).toBeNull();
  expect(world.bot.child.signalCode).toBeNull();
  const handle = imagine(world, EXPECT_NEXT_PROMPT, { model: 'flux-2-klein-4b' });
  const { message, via } = await outcomeMessage(handle);
  expect(via).toBe('reply');
  expect(message.attachments).toHaveLength(1);
  expect((await rowFor(world, handle)).outcome).toBe('success');
}

function webhookRequestsOf(world: World, handle: InteractionHandle) {
  return world.discord.requests.filter((request) => request.path.startsWith(`/webhooks/`) && request.path.includes(`/${handle.token}`));
}

/**
 * Every place the key must never reach (keyLeaks: what the bot sent to Discord and the messages
 * there, its logs and stdout, every usage row, the SQLite files with -wal and -shm), including every
 * interaction this world saw.
 */
function expectKeyNowhere(world: World): void {
  const search = { logs: world.bot.logs, stdout: world.bot.stdout, handles: handles.get(world) ?? [] };
  // Each haystack with a text it must contain: proof that the search looks where the data is.
  const haystacks = new Map(keyHaystacks(world, search));
  for (const [where, control] of [
    ['Discord messages', 'Image generation failed'],
    ['requests to Discord', 'Image generation failed'],
    ['bot logs', 'bot is online'],
    ['usage rows', EXPECT_NEXT_PROMPT],
  ] as const) {
    expect(haystacks.get(where), `the search of ${where} found nothing`).toContain(control);
  }
  const files = [...haystacks].filter(([where]) => where.startsWith('database')).map(([, text]) => text).join('');
  expect(files.includes(EXPECT_NEXT_PROMPT), 'the SQLite files hold no prompt: wrong files?').toBe(true);
  expect(keyLeaks(world, KEY, search), 'the key leaked').toEqual([]);
  // The secret part alone counts as a leak too.
  expect(keyNeedles(KEY)).toContain(KEY_SUFFIX);
}

interface LogLine {
  level?: string;
  msg?: string;
  [field: string]: unknown;
}

async function waitForLogAfter(world: World, from: number, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = world.bot.logs.slice(from).find((candidate) => pattern.test(candidate));
    if (line !== undefined) return line;
    if (Date.now() > deadline) throw new Error(`no log line matched ${pattern}:\n${world.bot.logs.slice(from).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function logLines(world: World, from = 0): LogLine[] {
  return world.bot.logs.slice(from).flatMap((line) => {
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The relay fails, in every class of shared/RELAYS.md.
// ---------------------------------------------------------------------------------------------

describe('every relay failure ends in a message, a usage row and a bot that keeps serving', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ relay: { apiKey: KEY }, env: { REQUEST_TIMEOUT: '2', IMAGE_DOWNLOAD_TIMEOUT: '2' } });
    handles.set(world, []);
  });
  afterAll(async () => {
    await world?.close();
  });

  interface FailureCase {
    name: string;
    prompt?: string;
    model?: string;
    locale?: string;
    faults?: Array<{ fault: Fault; count?: number }>;
    /** Every string must be in the message. */
    says: string[];
    outcome: string;
    /** Generation requests the relay must have seen. */
    requests: number;
  }

  const TIMEOUT_EN = ['did not answer in time', 'may still have charged', 'Try again'];
  const TIMEOUT_ZH = ['图像服务超时未响应', '可能仍已计费', '请重试'];
  const POLICY_EN = ["provider's safety system", 'Rephrase the prompt'];
  const POLICY_ZH = ['安全系统', '请修改提示词后重试'];
  // A 200 without a usable image was billed: the member hears it costs the server, not their quota.
  const MALFORMED_EN = ['without a usable image', 'still charged for it', "this server's budget", 'not against your daily image quota', 'Try again'];

  const cases: FailureCase[] = [
    // Timeout / cut: never retried (it may have been billed), the user is told it may have been charged.
    { name: 'a relay that never answers (timeout)', faults: [{ fault: { kind: 'hang' } }], says: TIMEOUT_EN, outcome: 'timeout', requests: 1 },
    { name: 'a relay that never answers, zh-CN', locale: 'zh-CN', faults: [{ fault: { kind: 'hang' } }], says: TIMEOUT_ZH, outcome: 'timeout', requests: 1 },
    { name: 'a connection cut after sending', faults: [{ fault: { kind: 'reset' } }], says: TIMEOUT_EN, outcome: 'timeout', requests: 1 },
    { name: 'a body that stalls', faults: [{ fault: { kind: 'stallBody' } }], says: TIMEOUT_EN, outcome: 'timeout', requests: 1 },
    { name: "Cloudflare's HTML 524 page", faults: [{ fault: { kind: 'html', status: 524 } }], says: TIMEOUT_EN, outcome: 'timeout', requests: 1 },
    // Content policy, whatever the status and shape.
    { name: 'OpenAI moderation_blocked (400)', prompt: 'a forbidden thing', says: POLICY_EN, outcome: 'content_policy', requests: 1 },
    { name: 'OpenAI moderation_blocked, zh-CN', prompt: 'a forbidden thing', locale: 'zh-CN', says: POLICY_ZH, outcome: 'content_policy', requests: 1 },
    { name: 'new-api sensitive_words_detected (500)', prompt: '一个敏感的词', says: POLICY_EN, outcome: 'content_policy', requests: 1 },
    { name: 'FLUX "Request Moderated" detail', prompt: 'a moderated scene', model: 'flux-2-pro', says: POLICY_EN, outcome: 'content_policy', requests: 1 },
    // Billing.
    {
      name: 'a 402 out of credit',
      faults: [{ fault: { kind: 'json', status: 402, body: { error: { message: 'Payment required', type: 'new_api_error', code: 'insufficient_user_quota' } } } }],
      says: ['out of credit', 'tell a server admin'],
      outcome: 'billing',
      requests: 1,
    },
    {
      name: 'a 429 that is an empty account (insufficient_user_quota)',
      faults: [
        {
          fault: {
            kind: 'json',
            status: 429,
            body: { error: { message: '用户额度不足, 剩余额度: $0.000000', type: 'new_api_error', code: 'insufficient_user_quota' } },
          },
        },
      ],
      says: ['out of credit', 'tell a server admin'],
      outcome: 'billing',
      requests: 1,
    },
    {
      name: 'an empty account, zh-CN',
      locale: 'zh-CN',
      faults: [{ fault: { kind: 'json', status: 402, body: { error: { message: 'insufficient quota', type: 'new_api_error', code: 'insufficient_quota' } } } }],
      says: ['余额不足', '请联系服务器管理员'],
      outcome: 'billing',
      requests: 1,
    },
    // Bad request: the relay's own reason is shown.
    {
      name: 'a 400 that is not about quality',
      faults: [
        {
          fault: {
            kind: 'json',
            status: 400,
            body: { error: { message: 'Invalid value for background: stripes is not supported', type: 'invalid_request_error', param: 'background', code: 'invalid_value' } },
          },
        },
      ],
      says: ['refused the request', 'stripes is not supported', 'Change the options'],
      outcome: 'bad_request',
      requests: 1,
    },
    // Rate limit: retried twice at once (retry-after: 0), then "busy".
    {
      name: 'a 429 three times',
      faults: [
        {
          fault: { kind: 'json', status: 429, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, headers: { 'retry-after': '0' } },
          count: 3,
        },
      ],
      says: ['busy', 'Try again in a minute'],
      outcome: 'rate_limit',
      requests: 3,
    },
    // Upstream JSON 500: retried twice, then "error on its side".
    {
      name: 'a JSON 500 three times',
      faults: [
        {
          fault: { kind: 'json', status: 500, body: { error: { message: 'The server had an error while processing your request.', type: 'server_error', code: 'server_error' } } },
          count: 3,
        },
      ],
      says: ['had an error on its side', 'Try again'],
      outcome: 'upstream',
      requests: 3,
    },
    // Malformed: a 200 without a usable image.
    { name: 'a 200 without data', faults: [{ fault: { kind: 'missingData' } }], says: MALFORMED_EN, outcome: 'malformed_response', requests: 1 },
    { name: 'a truncated PNG', faults: [{ fault: { kind: 'truncatedImage' } }], says: MALFORMED_EN, outcome: 'malformed_response', requests: 1 },
    { name: 'an image URL that answers 404', model: 'flux-2-pro', faults: [{ fault: { kind: 'url404' } }], says: MALFORMED_EN, outcome: 'malformed_response', requests: 1 },
    { name: 'base64 that is not base64', faults: [{ fault: { kind: 'badBase64' } }], says: MALFORMED_EN, outcome: 'malformed_response', requests: 1 },
    { name: 'base64 of bytes that are no image', faults: [{ fault: { kind: 'notImage' } }], says: MALFORMED_EN, outcome: 'malformed_response', requests: 1 },
    { name: 'an HTML page labelled JSON', faults: [{ fault: { kind: 'invalidJson' } }], says: MALFORMED_EN, outcome: 'malformed_response', requests: 1 },
    // The image URL misbehaves (FLUX answers with a URL the bot downloads at once).
    { name: 'an image URL that serves no image', model: 'flux-2-pro', faults: [{ fault: { kind: 'urlNotImage' } }], says: MALFORMED_EN, outcome: 'malformed_response', requests: 1 },
    { name: 'an image URL that serves 60 MiB', model: 'flux-2-pro', faults: [{ fault: { kind: 'urlHuge', bytes: 60 * MiB } }], says: MALFORMED_EN, outcome: 'malformed_response', requests: 1 },
    { name: 'an image URL that streams 60 MiB without a length', model: 'flux-2-pro', faults: [{ fault: { kind: 'urlHuge', bytes: 60 * MiB, chunked: true } }], says: MALFORMED_EN, outcome: 'malformed_response', requests: 1 },
    // A link slower than IMAGE_DOWNLOAD_TIMEOUT, after the relay's 200: billed, unusable (not a timeout of the generation).
    { name: 'an image URL slower than IMAGE_DOWNLOAD_TIMEOUT', model: 'flux-2-pro', faults: [{ fault: { kind: 'urlSlow', ms: 5_000 } }], says: MALFORMED_EN, outcome: 'malformed_response', requests: 1 },
    { name: 'an image URL that redirects to the cloud metadata address (refused)', model: 'flux-2-pro', faults: [{ fault: { kind: 'urlRedirect', location: 'http://169.254.169.254/latest/meta-data/' } }], says: MALFORMED_EN, outcome: 'malformed_response', requests: 1 },
    { name: 'an image URL that redirects to a private network address (refused)', model: 'flux-2-pro', faults: [{ fault: { kind: 'urlRedirect', location: 'http://10.0.0.1/image.png' } }], says: MALFORMED_EN, outcome: 'malformed_response', requests: 1 },
  ];

  for (const c of cases) {
    it(`${c.name} → ${c.outcome}`, async () => {
      for (const { fault, count } of c.faults ?? []) world.relay.failNext(fault, count);
      const before = world.relay.requests.length;
      const handle = imagine(world, c.prompt ?? 'a red fox in snow', { model: c.model, locale: c.locale });
      const { message, via } = await outcomeMessage(handle);
      expect(via).toBe('reply');
      const text = textOf(message);
      for (const expected of c.says) expect(text).toContain(expected);
      expect(text).toContain(c.locale === 'zh-CN' ? '图片生成失败' : 'Image generation failed');
      expect(message.attachments).toHaveLength(0);
      const row = await rowFor(world, handle);
      expect(row).toMatchObject({ outcome: c.outcome, error_kind: c.outcome, user_id: world.discord.defaultUser.id, guild_id: world.discord.guildId });
      expect(row.finished_at).not.toBeNull();
      expect(world.relay.requests.length - before).toBe(c.requests);
      // The ledger (rule in src/storage/ledger.ts): a timeout or a cut may have been billed (kept at
      // the estimate); a 200 without a usable image was billed (the server pays the estimate, the
      // member's quota counts no image); the relay's own refusals are refunded.
      const ledger = ledgerRow(world, handle.id)!;
      if (c.outcome === 'timeout') expect(ledger).toMatchObject({ state: 'committed', possibly_billed: 1 });
      else if (c.outcome === 'malformed_response') {
        expect(ledger).toMatchObject({ state: 'committed', possibly_billed: 0, images: 0, cost_micros: ledger.reserved_cost_micros });
      } else expect(ledger).toMatchObject({ state: 'refunded', possibly_billed: 0 });
      // The usage log records the cost the ledger charges.
      const charged = ledger.state === 'refunded' ? 0 : Number(ledger.cost_micros);
      expect(Math.round(Number(row.estimated_cost ?? 0) * 1e6)).toBe(charged);
      if (c.outcome === 'malformed_response') expect(row.image_count).toBe(0);
      await expectNextImagineWorks(world);
    });
  }

  it('a wrong key → "tell a server admin", outcome auth, and an error line for the operator', async () => {
    world.relay.configure({ apiKey: `sk-the-relay-wants-another-${randomBytes(6).toString('hex')}` });
    const logsFrom = world.bot.logs.length;
    try {
      for (const locale of ['en-US', 'zh-CN']) {
        const handle = imagine(world, 'a red fox in snow', { locale });
        const { message, via } = await outcomeMessage(handle);
        expect(via).toBe('reply');
        const text = textOf(message);
        if (locale === 'zh-CN') expect(text).toContain('请联系服务器管理员');
        else expect(text).toMatch(/rejected the bot's key.*tell a server admin/s);
        expect((await rowFor(world, handle)).outcome).toBe('auth');
      }
      const operatorLine = logLines(world, logsFrom).find((line) => line.level === 'error' && line.kind === 'auth');
      expect(operatorLine, `no error log line for the operator:\n${world.bot.logs.slice(logsFrom).join('\n')}`).toBeDefined();
      expect(operatorLine!.status).toBe(401);
    } finally {
      world.relay.configure({ apiKey: KEY });
    }
    await expectNextImagineWorks(world);
  });

  it('a relay that echoes the key back has it redacted everywhere', async () => {
    const echoes: Array<{ fault: Fault; outcome: string }> = [
      // A bad request: its reason is shown to the user, so this is the dangerous one.
      {
        fault: {
          kind: 'json',
          status: 400,
          body: { error: { message: `Invalid value for size: request with Authorization Bearer ${KEY} asked 999x999`, type: 'invalid_request_error', param: 'size', code: 'invalid_value' } },
        },
        outcome: 'bad_request',
      },
      {
        fault: { kind: 'json', status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}.`, type: 'invalid_request_error', code: 'invalid_api_key' } } },
        outcome: 'auth',
      },
      { fault: { kind: 'json', status: 500, body: { error: { message: `upstream refused key ${KEY}`, type: 'upstream_error', code: 'bad_response' } } }, outcome: 'upstream' },
      { fault: { kind: 'html', status: 502, body: `<html><head><title>502 Bad Gateway for key ${KEY}</title></head><body>${KEY}</body></html>` }, outcome: 'timeout' },
      { fault: { kind: 'json', status: 400, body: { detail: `Request Moderated for ${KEY}` } }, outcome: 'content_policy' },
    ];
    for (const { fault, outcome } of echoes) {
      // upstream is retried twice: let every attempt echo the key.
      world.relay.failNext(fault, outcome === 'upstream' ? 3 : 1);
      const handle = imagine(world, 'a red fox in snow');
      const { message } = await outcomeMessage(handle);
      expect(textOf(message)).not.toContain(KEY_SUFFIX);
      const row = await rowFor(world, handle);
      expect(row.outcome).toBe(outcome);
      expect(String(row.error_message)).not.toContain(KEY_SUFFIX);
      if (outcome === 'bad_request') {
        expect(textOf(message)).toContain('999x999');
        expect(textOf(message)).toContain('[redacted]');
      }
    }
    await expectNextImagineWorks(world);
    expectKeyNowhere(world);
  });

  it('an image that looks whole but cannot be decoded for re-encoding: the user is told, not left waiting', async () => {
    const server = await serveUndecodablePng();
    try {
      world.relay.failNext({ kind: 'urlPointsTo', url: server.url });
      const handle = imagine(world, 'a red fox in snow', { model: 'flux-2-pro', attachmentSizeLimit: MiB });
      const { message, via } = await outcomeMessage(handle);
      expect(via).toBe('reply');
      expect(message.attachments).toHaveLength(0);
      expect(textOf(message)).toContain('Image generation failed');
      expect(textOf(message)).toContain('without a usable image');
      expect(textOf(message)).toContain('not against your daily image quota');
      expect(textOf(message)).toContain('Try again');
      // Committed as a success first, then found undecodable: the ledger ends as an unusable charge
      // (no image, the estimate), and the usage row, finished twice, ends with the same figures.
      const row = await rowFor(world, handle);
      expect(row).toMatchObject({ outcome: 'malformed_response', error_kind: 'malformed_response', image_count: 0 });
      const ledger = ledgerRow(world, handle.id)!;
      expect(ledger).toMatchObject({ state: 'committed', possibly_billed: 0, images: 0, cost_micros: ledger.reserved_cost_micros });
      expect(Number(ledger.cost_micros)).toBeGreaterThan(0);
      expect(Math.round(Number(row.estimated_cost) * 1e6)).toBe(ledger.cost_micros);
    } finally {
      await server.close();
    }
    await expectNextImagineWorks(world);
  });

  it('after all of that the process is still up, serves one more /imagine, and the key is nowhere', async () => {
    await expectNextImagineWorks(world);
    expect(world.usageRows().filter((row) => row.outcome === 'pending')).toHaveLength(0);
    expectKeyNowhere(world);
  });
});

// ---------------------------------------------------------------------------------------------
// Discord fails, or the interaction token runs out; big images meet the upload limit.
// ---------------------------------------------------------------------------------------------

describe('delivery survives Discord failures, expired tokens and the upload limit', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ relay: { apiKey: KEY } });
    handles.set(world, []);
  });
  afterAll(async () => {
    await world?.close();
  });

  // `after: 1` spares the first edit, the status line with the Cancel button shown as the job starts.
  const originalPatch = (handle: InteractionHandle, after = 1) =>
    ({ method: 'PATCH', path: new RegExp(`^/webhooks/\\d+/${handle.token}/messages/@original$`), after }) as const;
  const mention = () => `<@${world.discord.defaultUser.id}>`;

  it('a 12 MiB PNG is re-encoded under a 10 MiB limit, and the embed says so', async () => {
    const handle = imagine(world, 'noise', { model: 'gpt-image-2', size: '2048x2048', attachmentSizeLimit: 10 * MiB });
    const { message, via } = await outcomeMessage(handle, 60_000);
    expect(via).toBe('reply');
    const forwarded = world.relay.requests.at(-1)!.forwardedBody!;
    expect(forwarded.size).toBe('2048x2048');
    expect(forwarded.output_format ?? 'png').toBe('png');
    const row = await rowFor(world, handle);
    expect(row.outcome).toBe('success');
    expect(Number(row.bytes)).toBeGreaterThan(10 * MiB);
    const attachment = message.attachments[0]!;
    expect(attachment.size).toBeLessThanOrEqual(10 * MiB);
    expect(attachment.bytes.length).toBe(attachment.size);
    const meta = await sharp(attachment.bytes).metadata();
    expect(meta.format).not.toBe('png');
    expect(textOf(message)).toMatch(/re-encoded \(\S+\) from 1\d\.\d MiB to \d+\.\d MiB to fit Discord's 10\.0 MiB upload limit/);
  }, 90_000);

  it('the same image still fits a 2 MiB limit', async () => {
    const handle = imagine(world, 'noise', { model: 'gpt-image-2', size: '2048x2048', attachmentSizeLimit: 2 * MiB, locale: 'zh-CN' });
    const { message, via } = await outcomeMessage(handle, 90_000);
    expect(via).toBe('reply');
    const attachment = message.attachments[0]!;
    expect(attachment.size).toBeLessThanOrEqual(2 * MiB);
    await sharp(attachment.bytes).metadata();
    expect(textOf(message)).toContain('上传限制');
    expect((await rowFor(world, handle)).outcome).toBe('success');
  }, 120_000);

  it('a 429 on the reply edit: discord.js waits and the image still arrives in the reply', async () => {
    const handle = imagine(world, 'a red fox in snow', { model: 'flux-2-klein-4b' });
    world.discord.failNext(originalPatch(handle), { status: 429, headers: { 'retry-after': '0.3' } });
    const { message, via } = await outcomeMessage(handle);
    expect(via).toBe('reply');
    expect(message.attachments).toHaveLength(1);
    const statuses = webhookRequestsOf(world, handle).filter((r) => r.method === 'PATCH').map((r) => r.status);
    expect(statuses).toEqual([200, 429, 200]);
    expect((await rowFor(world, handle)).outcome).toBe('success');
  });

  it('a 500 on every try of the reply edit: the image goes to the channel, mentioning the user', async () => {
    const handle = imagine(world, 'a red fox in snow', { model: 'flux-2-klein-4b' });
    world.discord.failNext(originalPatch(handle), { status: 500 }, 5);
    const { message, via } = await outcomeMessage(handle, 30_000);
    expect(via).toBe('channel');
    expect(message.content).toContain(mention());
    expect(message.attachments).toHaveLength(1);
    expect(message.allowed_mentions).toMatchObject({ users: [world.discord.defaultUser.id] });
    const patches = webhookRequestsOf(world, handle).filter((r) => r.method === 'PATCH').slice(1);
    expect(patches.length).toBeGreaterThanOrEqual(2);
    expect(patches.every((r) => r.status === 500)).toBe(true);
    const row = await rowFor(world, handle);
    expect(row).toMatchObject({ outcome: 'success', message_id: message.id, message_channel_id: world.discord.channelId });
    await expectNextImagineWorks(world);
  }, 60_000);

  it('a 413 on the first reply edit: the bot fits the image tighter and delivers', async () => {
    const logsFrom = world.bot.logs.length;
    // A 1024² noise PNG is about 3 MiB: it fits the announced 4 MiB, Discord refuses it anyway.
    const handle = imagine(world, 'noise', { model: 'gpt-image-2', size: '1024x1024', attachmentSizeLimit: 4 * MiB });
    world.discord.failNext(originalPatch(handle), { status: 413, body: { message: 'Request entity too large', code: 40005 } });
    const { message, via } = await outcomeMessage(handle, 60_000);
    expect(via).toBe('reply');
    const attachment = message.attachments[0]!;
    expect(attachment.size).toBeLessThanOrEqual(2 * MiB);
    expect(textOf(message)).toContain('re-encoded');
    const patches = webhookRequestsOf(world, handle).filter((r) => r.method === 'PATCH').slice(1);
    expect(patches.map((r) => r.status)).toEqual([413, 200]);
    expect(patches[0]!.files?.[0]?.size ?? 0).toBeGreaterThan(2 * MiB);
    expect(logLines(world, logsFrom).some((line) => /fitting tighter/.test(line.msg ?? ''))).toBe(true);
    expect((await rowFor(world, handle)).outcome).toBe('success');
  }, 60_000);

  it('a progress edit that fails does not stop the result, and its log line carries no interaction token', async () => {
    const logsFrom = world.bot.logs.length;
    world.relay.configure({ latencyMs: 6_500 });
    try {
      const handle = imagine(world, 'a red fox in snow', { model: 'flux-2-klein-4b' });
      // Four 500s: the first try of the progress edit at 5 s and @discordjs/rest's three retries.
      world.discord.failNext(originalPatch(handle), { status: 500 }, 4);
      const { message, via } = await outcomeMessage(handle, 15_000);
      expect(via).toBe('reply');
      expect(message.attachments).toHaveLength(1);
      const patches = webhookRequestsOf(world, handle).filter((r) => r.method === 'PATCH');
      expect(patches.map((r) => r.status)).toEqual([200, 500, 500, 500, 500, 200]);
      const lines = world.bot.logs.slice(logsFrom);
      expect(lines.some((line) => /status edit failed/.test(line))).toBe(true);
      for (const line of lines) expect(line).not.toContain(handle.token);
      expect((await rowFor(world, handle)).outcome).toBe('success');
    } finally {
      world.relay.configure({ latencyMs: 20 });
    }
  }, 30_000);

  it('an interaction 14.5 minutes old: the image is posted in the channel with a mention, the token is never used', async () => {
    const handle = imagine(world, 'a red fox in snow', { model: 'flux-2-klein-4b', createdAt: Date.now() - 14.5 * 60_000 });
    const { message, via } = await outcomeMessage(handle);
    expect(via).toBe('channel');
    expect(message.content).toContain(mention());
    expect(message.content).toContain('your image is ready');
    expect(message.attachments).toHaveLength(1);
    expect(message.interaction_token).toBeUndefined();
    expect(webhookRequestsOf(world, handle)).toEqual([]);
    expect(await rowFor(world, handle)).toMatchObject({ outcome: 'success', message_id: message.id });
  });

  it('a token that crosses the safety margin mid-generation: progress edits stop, the result goes to the channel', async () => {
    // 70 s left at dispatch: the progress edit at 5 s is allowed, the one at 10 s is not (60 s margin);
    // the result comes at 12 s, when only the channel is left.
    const createdAt = Date.now() - TOKEN_LIFETIME_MS + 70_000;
    world.relay.configure({ latencyMs: 12_000 });
    let handle: InteractionHandle;
    try {
      handle = imagine(world, 'a red fox in snow', { model: 'flux-2-klein-4b', createdAt });
      const { message, via } = await outcomeMessage(handle, 25_000);
      expect(via).toBe('channel');
      expect(message.content).toContain(mention());
      expect(message.attachments).toHaveLength(1);
    } finally {
      world.relay.configure({ latencyMs: 20 });
    }
    const webhook = webhookRequestsOf(world, handle);
    expect(webhook.length).toBeGreaterThanOrEqual(1); // the progress edit while the token was good
    for (const request of webhook) {
      expect(request.method).toBe('PATCH');
      expect(request.at).toBeLessThan(createdAt + TOKEN_LIFETIME_MS - TOKEN_SAFETY_MARGIN_MS + 1000);
      expect(request.files ?? []).toEqual([]);
    }
    expect((await rowFor(world, handle)).outcome).toBe('success');
  }, 40_000);

  it('expired token and the channel refuses the bot (403 50013): the image goes to a DM', async () => {
    const handle = imagine(world, 'a red fox in snow', { model: 'flux-2-klein-4b', createdAt: Date.now() - 14.5 * 60_000 });
    world.discord.failNext(
      { method: 'POST', path: new RegExp(`^/channels/${world.discord.channelId}/messages$`) },
      { status: 403, body: { message: 'Missing Permissions', code: 50013 } },
    );
    const { message, via } = await outcomeMessage(handle);
    expect(via).toBe('dm');
    expect(message.attachments).toHaveLength(1);
    expect(message.content).toContain(mention());
    expect(world.discord.dmMessages(world.discord.defaultUser.id).map((m) => m.id)).toContain(message.id);
    expect(webhookRequestsOf(world, handle)).toEqual([]);
    expect(await rowFor(world, handle)).toMatchObject({ outcome: 'success', message_id: message.id });
  });

  it('Discord refuses every route (expired token, channel 403, DM 50007): the row says delivery_failed, the bot stays up', async () => {
    const logsFrom = world.bot.logs.length;
    const handle = imagine(world, 'a red fox in snow', { model: 'flux-2-klein-4b', createdAt: Date.now() - 14.5 * 60_000 });
    world.discord.failNext(
      { method: 'POST', path: new RegExp(`^/channels/${world.discord.channelId}/messages$`) },
      { status: 403, body: { message: 'Missing Permissions', code: 50013 } },
    );
    world.discord.failNext(
      { method: 'POST', path: /^\/users\/@me\/channels$/ },
      { status: 403, body: { message: 'Cannot send messages to this user', code: 50007 } },
    );
    world.discord.failNext(
      { method: 'POST', path: new RegExp(`^/channels/(?!${world.discord.channelId})\\d+/messages$`) },
      { status: 403, body: { message: 'Cannot send messages to this user', code: 50007 } },
    );
    await handle.waitForCallback(3000);
    const row = await rowFor(world, handle, 15_000);
    expect(row.outcome).toBe('delivery_failed');
    expect(handle.state().channelMessages).toEqual([]);
    expect(handle.state().dms).toEqual([]);
    const lines = world.bot.logs.slice(logsFrom);
    expect(lines.some((line) => /could not deliver/.test(line))).toBe(true);
    // The operator's log line names what failed; it carries no interaction token and no uploaded bytes.
    for (const line of lines) {
      expect(line).not.toContain(handle.token);
      expect(line.length).toBeLessThan(8000);
    }
    await expectNextImagineWorks(world);
  });

  it('a deferral Discord refuses (10062 Unknown interaction): nothing is sent to the relay, the bot stays up', async () => {
    const relayBefore = world.relay.requests.length;
    const logsFrom = world.bot.logs.length;
    const handle = imagine(world, 'a red fox in snow', { model: 'flux-2-klein-4b' });
    world.discord.failNext(
      { method: 'POST', path: new RegExp(`^/interactions/${handle.id}/[^/]+/callback$`) },
      { status: 404, body: { message: 'Unknown interaction', code: 10062 } },
    );
    await waitForLogAfter(world, logsFrom, /interaction handler failed/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(world.relay.requests.length).toBe(relayBefore);
    // The reservation made before the deferral is given back at once, and no row waits for a restart.
    expect(ledgerRow(world, handle.id)).toMatchObject({ state: 'refunded', possibly_billed: 0 });
    expect(world.usageRows().some((row) => row.interaction_id === handle.id)).toBe(false);
    for (const line of world.bot.logs.slice(logsFrom)) expect(line).not.toContain(handle.token);
    await expectNextImagineWorks(world);
  });

  it('a failure after the token expired is posted in the channel too, in the user language', async () => {
    for (const locale of ['en-US', 'zh-CN']) {
      const handle = imagine(world, 'a forbidden thing', { locale, createdAt: Date.now() - 14.5 * 60_000 });
      const { message, via } = await outcomeMessage(handle);
      expect(via).toBe('channel');
      const text = textOf(message);
      expect(text).toContain(mention());
      if (locale === 'zh-CN') {
        expect(text).toContain('你的图片请求失败');
        expect(text).toContain('安全系统');
      } else {
        expect(text).toContain('your image request failed');
        expect(text).toContain("provider's safety system");
      }
      expect(webhookRequestsOf(world, handle)).toEqual([]);
      expect((await rowFor(world, handle)).outcome).toBe('content_policy');
    }
  });

  it('after all of that the process is still up, serves one more /imagine, and the key is nowhere', async () => {
    await expectNextImagineWorks(world);
    expect(world.usageRows().filter((row) => row.outcome === 'pending')).toHaveLength(0);
    expectKeyNowhere(world);
  });
});
