// The pino-backed logger keeps the line shape operators and the e2e tests read, and every line,
// fields and errors included, passes through `redact`.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLog, parseLogLevel, type LogLevel } from '../../src/log.js';
import { createLogDestination, readableLine } from '../../src/logDestination.js';
import { registerSecret } from '../../src/providers/redact.js';

function capture(options: { readable?: boolean; level?: LogLevel } = {}) {
  const lines: string[] = [];
  const destination = createLogDestination({ sink: { write: (text) => void lines.push(text) }, readable: () => options.readable ?? false });
  const log = createLog({ destination, level: options.level ?? 'info' });
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, lines, parsed };
}

describe('log (pino)', () => {
  it('writes one JSON object per line: ISO time, level as a word, msg, the fields flat', () => {
    const { log, lines, parsed } = capture();
    log.info('bot is online', { user: 'imagine-bot', guilds: 1 });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(lines[0]!.trimEnd()).not.toContain('\n');
    const [line] = parsed();
    expect(line).toEqual({ time: expect.any(String), level: 'info', msg: 'bot is online', user: 'imagine-bot', guilds: 1 });
    expect(new Date(line!.time as string).toISOString()).toBe(line!.time);
    // No pid or hostname: only what the bot said.
    expect(Object.keys(line!)).not.toContain('pid');
    // Compact JSON, as the lifecycle test's `"interrupted":1` grep expects.
    log.warn('closed attempts left pending by a previous run', { interrupted: 1 });
    expect(lines[1]).toContain('"interrupted":1');
  });

  it('serialises errors as name, message and own properties, without cause or stack', () => {
    const { log, parsed } = capture();
    const error = Object.assign(new Error('relay said no', { cause: new Error('socket details') }), { status: 401, code: 'invalid_api_key' });
    log.error('relay refused the bot', { error, err: new TypeError('second') });
    const [line] = parsed();
    expect(line!.error).toEqual({ name: 'Error', message: 'relay said no', status: 401, code: 'invalid_api_key' });
    expect(line!.err).toEqual({ name: 'TypeError', message: 'second' });
    expect(JSON.stringify(line)).not.toContain('socket details');
    expect(JSON.stringify(line)).not.toContain('stack');
  });

  it('redacts registered keys and key-shaped text in the message, the fields and errors', () => {
    const secret = `relay-secret-${randomBytes(8).toString('hex')}`;
    registerSecret(secret);
    const { log, lines } = capture();
    log.info(`sent with ${secret}`, { header: `Bearer ${secret}`, error: new Error(`echoed ${secret}`), nested: { deep: [secret] } });
    log.info('key-shaped', { leaked: `sk-${'a'.repeat(10)}` });
    const text = lines.join('');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(`sk-${'a'.repeat(10)}`);
    expect(text).toContain('[redacted]');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('redacts the readable terminal format too, and keeps it one line', () => {
    const secret = `terminal-secret-${randomBytes(8).toString('hex')}`;
    registerSecret(secret);
    const { log, lines } = capture({ readable: true });
    log.warn('discord client warning', { message: secret });
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z WARN  discord client warning \{"message":"\[redacted\]"\}\n$/);
    expect(readableLine('{"time":"t","level":"info","msg":"plain"}\n')).toBe('t INFO  plain\n');
  });

  it('respects the level, changed with setLevel, and child bindings', () => {
    const lines: string[] = [];
    const log = createLog({ destination: createLogDestination({ sink: { write: (text) => void lines.push(text) }, readable: () => false }), level: 'warn' });
    log.info('hidden');
    log.debug('hidden');
    log.warn('shown');
    log.setLevel('debug');
    const job = log.child({ generationId: 7, interaction: '123' });
    job.debug('now shown', { requestId: 'req-1' });
    job.info('own fields win', { generationId: 8 });
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.map((line) => line.msg)).toEqual(['shown', 'now shown', 'own fields win']);
    expect(parsed[1]).toMatchObject({ level: 'debug', generationId: 7, interaction: '123', requestId: 'req-1' });
    expect(parsed[2]!.generationId).toBe(8);
    log.setLevel('error');
    log.warn('hidden by setLevel');
    expect(lines).toHaveLength(3);
    // Undefined goes back to the level the log was made with.
    log.setLevel(undefined);
    job.info('hidden again');
    job.warn('shown again');
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg).slice(3)).toEqual(['shown again']);
  });

  it('takes LOG_LEVEL once, when made, not at each line', () => {
    const saved = process.env.LOG_LEVEL;
    const lines: string[] = [];
    const destination = createLogDestination({ sink: { write: (text) => void lines.push(text) }, readable: () => false });
    try {
      process.env.LOG_LEVEL = 'ERROR';
      const log = createLog({ destination });
      log.warn('hidden');
      process.env.LOG_LEVEL = 'debug';
      log.warn('still hidden');
      log.error('shown');
      process.env.LOG_LEVEL = 'loud';
      const fallback = createLog({ destination });
      fallback.debug('hidden');
      fallback.info('unknown names read as info');
    } finally {
      if (saved === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = saved;
    }
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['shown', 'unknown names read as info']);
  });

  it('reads LOG_LEVEL names, with the names other tools use', () => {
    expect(parseLogLevel('DEBUG')).toBe('debug');
    expect(parseLogLevel(' warn ')).toBe('warn');
    expect(parseLogLevel('trace')).toBe('debug');
    expect(parseLogLevel('fatal')).toBe('error');
    expect(parseLogLevel('loud')).toBeUndefined();
  });
});
