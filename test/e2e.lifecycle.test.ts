// The bot process's life: graceful shutdown on SIGTERM (CONTRACT.md: no new work, running jobs
// finish or their users are told, exit within 20 s), recovery after SIGKILL, configuration errors at
// start (one line, exit code 2), and `npm start` itself. All through the real process.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordFake, type DiscordFake, type FakeMessage, type FakeUser, type InteractionHandle } from './fakes/discord/index.js';
import { startRelayFake, type RelayFake } from './fakes/relay/index.js';
import { MAIN_JS, REPO_ROOT } from './helpers/botProcess.js';
import { makeTempDir, removeTempDirs } from './helpers/tempFiles.js';
import { startWorld, type World, waitSettled } from './helpers/world.js';

const EPHEMERAL = 64;
const LOADING = 128;
/** CONTRACT.md: exit within 20 seconds of SIGTERM. */
const EXIT_BUDGET_MS = 20_000;

type Obj = Record<string, unknown>;

function generationCount(relay: RelayFake): number {
  return relay.requests.filter((request) => request.method === 'POST' && /\/images\/generations$/.test(request.path)).length;
}

function imagine(world: World, prompt: string, extra: { locale?: string; user?: FakeUser } = {}): InteractionHandle {
  return world.discord.interact({
    name: 'imagine',
    options: [
      { name: 'prompt', type: 3, value: prompt },
      { name: 'model', type: 3, value: 'flux-2-pro' },
    ],
    ...extra,
  });
}

/** Waits until the relay has received `count` generation requests (the job is running). */
async function relayReceived(relay: RelayFake, count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (generationCount(relay) < count) {
    if (Date.now() > deadline) throw new Error(`the relay got ${generationCount(relay)} generation requests, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function rowFor(world: World, interactionId: string): Obj | undefined {
  return world.usageRows().find((row) => row.interaction_id === interactionId);
}

function textOf(message: FakeMessage | undefined): string {
  return message ? `${message.content} ${JSON.stringify(message.embeds)}` : '';
}

async function timed<T>(promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await promise;
  return { value, ms: Date.now() - started };
}

describe('SIGTERM while a generation runs', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('lets the running job finish and deliver, refuses new work with a "restarting" message, exits 0 within 20 s', { timeout: 60_000 }, async () => {
    // A finished result first, for a Re-roll click during the shutdown.
    const earlier = imagine(world, 'an earlier result');
    await earlier.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
    await waitSettled(world, earlier.id);
    const earlierMessage = earlier.original()!;
    const rerollId = (earlierMessage.components as Obj[]).flatMap((row) => row.components as Obj[]).map((c) => String(c.custom_id)).find((id) => id.startsWith('img:reroll:'))!;

    // Long enough (8 s, under the 13 s grace) that the bot is certainly still draining, and so still
    // able to answer, while the two late interactions below are sent and answered.
    world.relay.configure({ latencyMs: 8_000 });
    const before = generationCount(world.relay);
    const running = imagine(world, 'a slow painting of a harbour');
    expect((await running.waitForCallback(3000)).type).toBe(5);
    await relayReceived(world.relay, before + 1);

    const bot = world.bot;
    const signalledAt = Date.now();
    bot.child.kill('SIGTERM');
    await bot.waitForLog(/shutting down/, 5_000);

    // New work while draining: an ephemeral "restarting" answer, for a command and for a button.
    const late = imagine(world, 'sent after SIGTERM', { locale: 'zh-CN' });
    const callback = await late.waitForCallback(3000);
    expect(callback.type).toBe(4);
    expect(((callback.data as Obj).flags as number) & EPHEMERAL).toBe(EPHEMERAL);
    expect(String((callback.data as Obj).content)).toMatch(/重启/);
    const click = world.discord.clickButton(earlierMessage, rerollId);
    const clickCallback = await click.waitForCallback(3000);
    expect(clickCallback.type).toBe(4);
    expect(((clickCallback.data as Obj).flags as number) & EPHEMERAL).toBe(EPHEMERAL);
    expect(String((clickCallback.data as Obj).content)).toMatch(/restarting/);
    // Both were answered by a bot still draining: the running job had not finished yet.
    expect(bot.child.exitCode).toBeNull();
    expect(running.original()?.attachments ?? []).toEqual([]);
    // Nothing new reached the relay after SIGTERM.
    const code = await bot.exited;
    const exitMs = Date.now() - signalledAt;
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(EXIT_BUDGET_MS);
    expect(generationCount(world.relay)).toBe(before + 1);

    // The running job was delivered, not interrupted.
    const delivered = running.original()!;
    expect(delivered.attachments.length).toBeGreaterThan(0);
    expect(delivered.flags & LOADING).toBe(0);
    expect(rowFor(world, running.id)).toMatchObject({ outcome: 'success', message_id: delivered.id });
    expect(world.usageRows().filter((row) => row.outcome === 'pending')).toEqual([]);

    // The next process starts cleanly on the same database.
    world.relay.configure({ latencyMs: 20 });
    await world.restartBot();
    const after = imagine(world, 'after the restart');
    await after.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
    await waitSettled(world, after.id);
  });
});

describe('SIGTERM while a very long generation runs', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ relay: { latencyMs: 60_000 } });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('interrupts it, tells the user (localised), records `interrupted`, and exits within 20 s', { timeout: 60_000 }, async () => {
    // Two users: one user's second request would wait in the queue behind the first.
    const zh = imagine(world, '一幅非常慢的画', { locale: 'zh-CN' });
    const en = imagine(world, 'a very slow painting', { user: { id: '400000000000009001', username: 'second-user' } });
    expect((await zh.waitForCallback(3000)).type).toBe(5);
    expect((await en.waitForCallback(3000)).type).toBe(5);
    await relayReceived(world.relay, 2);

    const bot = world.bot;
    bot.child.kill('SIGTERM');
    const { value: code, ms } = await timed(bot.exited);
    expect(ms).toBeLessThan(EXIT_BUDGET_MS);
    expect(code).toBe(0);

    for (const [handle, pattern] of [
      [zh, /中断/],
      [en, /restarted while your image was being made/],
    ] as const) {
      const original = handle.original()!;
      expect(original.flags & LOADING).toBe(0);
      expect(original.attachments).toEqual([]);
      expect(textOf(original)).toMatch(pattern);
      expect(rowFor(world, handle.id)).toMatchObject({ outcome: 'interrupted', finished_at: expect.any(Number) });
      // The request had reached the relay, which may still bill it: the log counts its cost, the ledger keeps the charge.
      expect(rowFor(world, handle.id)?.estimated_cost).toBeGreaterThan(0);
      const ledger = new Database(world.dbPath, { readonly: true });
      try {
        expect(ledger.prepare('SELECT possibly_billed FROM ledger WHERE key = ?').get(handle.id)).toEqual({ possibly_billed: 1 });
      } finally {
        ledger.close();
      }
    }
    expect(world.usageRows().filter((row) => row.outcome === 'pending')).toEqual([]);
    expect(bot.logs.some((line) => /interrupted running generations on shutdown/.test(line))).toBe(true);
  });
});

describe('SIGTERM between accepting an /imagine and its deferral reaching Discord', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('the accepted request is not dropped: it is delivered (or its user told), and its row is not left pending', { timeout: 60_000 }, async () => {
    // The deferral gets a 429 first, so @discordjs/rest waits ~1.5 s and retries: the command has
    // been accepted but its generation has not started when SIGTERM arrives.
    world.discord.failNext({ method: 'POST', path: /^\/interactions\/[^/]+\/[^/]+\/callback$/ }, { status: 429, body: { retry_after: 1.5, global: false } });
    const handle = imagine(world, 'accepted just before SIGTERM');
    const deadline = Date.now() + 5_000;
    while (!world.discord.requests.some((request) => request.status === 429)) {
      if (Date.now() > deadline) throw new Error('the deferral never hit the injected 429');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const bot = world.bot;
    bot.child.kill('SIGTERM');
    const { value: code, ms } = await timed(bot.exited);
    expect(ms).toBeLessThan(EXIT_BUDGET_MS);
    expect(code, bot.logs.slice(-20).join('\n')).toBe(0);

    expect(handle.callbacks[0]?.type).toBe(5);
    const original = handle.original()!;
    // Never left "thinking…": either the image or a message saying what happened.
    expect(original.flags & LOADING, bot.logs.slice(-20).join('\n')).toBe(0);
    const row = rowFor(world, handle.id);
    expect(row?.outcome).not.toBe('pending');
    if (original.attachments.length > 0) {
      // Delivered before the exit: a success, recorded with the message it went to.
      expect(row).toMatchObject({ outcome: 'success', message_id: original.id });
    } else {
      // Or closed, and its user told so in the reply.
      expect(row?.outcome).toBe('interrupted');
      expect(original.embeds.length > 0 || original.content !== '', 'the reply says nothing').toBe(true);
    }
    expect(bot.logs.filter((line) => /unhandled rejection|database connection is not open/.test(line))).toEqual([]);
  });
});

describe('SIGKILL mid-job', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ relay: { latencyMs: 5_000 } });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('leaves the row pending; the next start marks it interrupted and nothing stays pending', { timeout: 60_000 }, async () => {
    const handle = imagine(world, 'killed halfway');
    expect((await handle.waitForCallback(3000)).type).toBe(5);
    await relayReceived(world.relay, 1);
    expect(rowFor(world, handle.id)).toMatchObject({ outcome: 'pending', finished_at: null });

    await world.bot.stop('SIGKILL');
    expect(rowFor(world, handle.id)).toMatchObject({ outcome: 'pending' });

    world.relay.configure({ latencyMs: 20 });
    const bot = await world.restartBot();
    expect(rowFor(world, handle.id)).toMatchObject({ outcome: 'interrupted', finished_at: expect.any(Number) });
    expect(world.usageRows().filter((row) => row.outcome === 'pending')).toEqual([]);
    // One recovery settles it (its ledger entry, usage row and job row together), and says so once.
    expect(bot.logs.some((line) => /closed requests left open by a previous run/.test(line) && /"jobs":1/.test(line))).toBe(true);

    // And the new process works.
    const next = imagine(world, 'after the crash');
    await next.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
    await waitSettled(world, next.id);
    expect(rowFor(world, next.id)).toMatchObject({ outcome: 'success' });
  });
});

describe('signals on an idle bot', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: exits 0 promptly (nothing to wait for) and the next start works`, { timeout: 60_000 }, async () => {
      const bot = world.bot;
      const how = new Promise<string>((resolve) => bot.child.once('exit', (code, by) => resolve(`code ${code}, signal ${by}`)));
      bot.child.kill(signal);
      const { value: code, ms } = await timed(bot.exited);
      expect(code, `${await how}; logs:\n${bot.logs.join('\n')}`).toBe(0);
      expect(ms).toBeLessThan(5_000);
      expect(bot.logs.some((line) => /shutting down/.test(line) && line.includes(signal))).toBe(true);
      await world.restartBot();
      const handle = imagine(world, `after ${signal}`);
      await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
      await waitSettled(world, handle.id);
    });
  }
});

describe('a signal during start-up', () => {
  it('SIGTERM while login is still waiting on Discord: a clean, prompt exit (not death by signal)', { timeout: 30_000 }, async () => {
    // A "Discord" that accepts connections and never answers: the bot stays in login.
    const sockets = new Set<Socket>();
    const silent = createServer(() => {});
    silent.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const cwd = makeTempDir('imagine-startup-signal-');
    const child = spawn(process.execPath, [MAIN_JS], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        LOG_LEVEL: 'debug',
        DISCORD_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.AAAAAA.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        DISCORD_API_BASE_URL: `http://127.0.0.1:${port}/api`,
        IMAGE_API_BASE_URL: 'http://127.0.0.1:9/v1',
        IMAGE_API_KEY: 'sk-lifecycle-test-key-000000000000',
        DATABASE_PATH: join(cwd, 'data', 'bot.sqlite'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      // The bot has asked "Discord" for the gateway: it is in login.
      const deadline = Date.now() + 10_000;
      while (sockets.size === 0) {
        if (Date.now() > deadline) throw new Error(`the bot never connected; stderr:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      child.kill('SIGTERM');
      const { value, ms } = await timed(exited);
      expect(value, stderr).toEqual({ code: 0, signal: null });
      expect(ms).toBeLessThan(5_000);
      expect(stderr).toMatch(/shutting down/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
      removeTempDirs();
    }
  });
});

// --- configuration errors at start -------------------------------------------------------------

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
}

/** Runs `node dist/src/main.js` in `cwd` (a folder without .env) with exactly `env` (plus PATH). */
function runMain(env: Record<string, string>, cwd: string, timeoutMs = 20_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN_JS], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main.js did not exit within ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, stdout });
    });
  });
}

function stderrLines(ran: Ran): string[] {
  return ran.stderr.split('\n').filter((line) => line.trim() !== '');
}

/** Exactly one line on stderr, no stack trace, exit code 2, nothing on stdout. */
function expectOneLine(ran: Ran, pattern: RegExp): string {
  const lines = stderrLines(ran);
  expect(lines, ran.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(ran.stderr).not.toMatch(/^\s+at /m);
  expect(ran.code).toBe(2);
  expect(ran.stdout).toBe('');
  return lines[0]!;
}

describe('configuration errors at start: one line naming the problem, exit code 2', () => {
  let discord: DiscordFake;
  let cwd: string;
  let base: Record<string, string>;
  beforeAll(async () => {
    discord = await startDiscordFake();
    cwd = makeTempDir('imagine-lifecycle-');
    base = {
      DISCORD_TOKEN: discord.token,
      DISCORD_API_BASE_URL: discord.apiBase,
      IMAGE_API_BASE_URL: 'http://127.0.0.1:9/v1',
      IMAGE_API_KEY: 'sk-lifecycle-test-key-000000000000',
      DATABASE_PATH: join(cwd, 'data', 'bot.sqlite'),
    };
  });
  afterAll(async () => {
    await discord?.close();
    removeTempDirs();
  });

  it('missing DISCORD_TOKEN', async () => {
    const { DISCORD_TOKEN: _token, ...env } = base;
    expectOneLine(await runMain(env, cwd), /DISCORD_TOKEN/);
  });

  it('missing IMAGE_API_BASE_URL', async () => {
    const { IMAGE_API_BASE_URL: _url, ...env } = base;
    expectOneLine(await runMain(env, cwd), /IMAGE_API_BASE_URL/);
  });

  it('missing IMAGE_API_KEY', async () => {
    const { IMAGE_API_KEY: _key, ...env } = base;
    expectOneLine(await runMain(env, cwd), /IMAGE_API_KEY/);
  });

  it('a bad REQUEST_TIMEOUT', async () => {
    for (const value of ['soon', '-5']) {
      expectOneLine(await runMain({ ...base, REQUEST_TIMEOUT: value }, cwd), /REQUEST_TIMEOUT/);
    }
  });

  it('a token the server rejects: a clear line, non-zero exit, no stack trace, the token not echoed', async () => {
    const wrong = `${discord.token.split('.')[0]}.AAAAAA.${'x'.repeat(38)}`;
    const ran = await runMain({ ...base, DISCORD_TOKEN: wrong }, cwd);
    expect(ran.code).not.toBe(0);
    expect(ran.code).not.toBeNull();
    expect(ran.stderr).not.toMatch(/^\s+at /m);
    expect(ran.stderr).not.toContain(wrong);
    const lines = stderrLines(ran);
    expect(lines, ran.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/DISCORD_TOKEN/);
    expect(lines[0]).toMatch(/reject/i);
  });

  it('Discord unreachable: one line naming the address and what to check, exit 1, no stack trace', async () => {
    // Port 9 (discard) on loopback: nothing listens, so the connection is refused at once.
    const ran = await runMain({ ...base, DISCORD_API_BASE_URL: 'http://127.0.0.1:9/api' }, cwd);
    expect(ran.code).toBe(1);
    expect(ran.stderr).not.toMatch(/^\s+at /m);
    const lines = stderrLines(ran);
    expect(lines, ran.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/Could not reach Discord at http:\/\/127\.0\.0\.1:9\/api \(ECONNREFUSED\)/);
    expect(lines[0]).toContain('DISCORD_API_BASE_URL');
  });

  it('an unwritable DATABASE_PATH (a folder that is a regular file) names the path', async () => {
    const file = join(cwd, 'not-a-folder');
    writeFileSync(file, 'a regular file\n');
    const path = join(file, 'bot.sqlite');
    const line = expectOneLine(await runMain({ ...base, DATABASE_PATH: path }, cwd), /DATABASE_PATH/);
    expect(line).toContain(path);
  });
});

// --- npm start ---------------------------------------------------------------------------------

/** The runner's environment minus anything that would configure the bot behind the test's back. */
function cleanEnvironment(): Record<string, string> {
  const drop = /^(DISCORD_|IMAGE_|NEW_API_|PROVIDERS_FILE$|DATABASE_PATH$|REQUEST_TIMEOUT$|LOG_LEVEL$)/;
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !drop.test(entry[0])));
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  let discord: DiscordFake;
  let relay: RelayFake;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    discord = await startDiscordFake();
    relay = await startRelayFake();
  });
  afterEach(() => {
    // Never leave a bot behind, whatever happened.
    if (child?.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  });
  afterAll(async () => {
    await discord?.close();
    await relay?.close();
    removeTempDirs();
  });

  it('comes online (building first if needed), serves /imagine, and stops when npm gets SIGTERM', { timeout: 120_000 }, async () => {
    const dir = makeTempDir('imagine-npm-start-');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    // Its own process group, so that the test can clean up everything npm started.
    child = spawn(npm, ['start'], {
      cwd: REPO_ROOT,
      detached: true,
      env: {
        ...cleanEnvironment(),
        DISCORD_TOKEN: discord.token,
        DISCORD_API_BASE_URL: discord.apiBase,
        IMAGE_API_BASE_URL: relay.url,
        IMAGE_API_KEY: relay.apiKey,
        DATABASE_PATH: join(dir, 'data', 'bot.sqlite'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pgid = child.pid!;
    let stderr = '';
    let stdout = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child!.once('exit', (code, signal) => resolve({ code, signal })),
    );

    const deadline = Date.now() + 90_000;
    while (!/bot is online/.test(stderr)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come online; stdout:\n${stdout}\nstderr:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await discord.waitForReady();

    const handle = discord.interact({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'started by npm start' }] });
    await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);

    // SIGTERM to npm alone, as a service manager or container runtime that signals only its main
    // process would. npm 10/11 passes it to the `sh -c` running the script, which dies without
    // passing it on; the bot notices it was orphaned (src/main.ts) and shuts down as on SIGTERM.
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const { code, signal } = await exited;
    expect(code === 0 || signal === 'SIGTERM' || code === 143, `npm exit code ${code}, signal ${signal}`).toBe(true);
    // No process of the group (the bot included) is left running, within the 20 s of CONTRACT.md.
    while (groupAlive(pgid) && Date.now() - signalledAt < EXIT_BUDGET_MS + 5_000) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(groupAlive(pgid), `the bot outlived npm; stderr:\n${stderr}`).toBe(false);
    expect(Date.now() - signalledAt).toBeLessThan(EXIT_BUDGET_MS);
    expect(stderr).toMatch(/shutting down/);
    expect(stderr).not.toMatch(/shutdown failed|unexpected error/);
    expect(groupAlive(pgid)).toBe(false);
  });
});
