import type { IncomingMessage, ServerResponse } from 'node:http';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeLoopbackServers, listenOnLoopback } from '../helpers/loopbackServer.js';
import { CancelledError, MalformedResponseError, RelayTimeoutError } from '../../src/providers/errors.js';
import { downloadImage, hostIsPrivate } from '../../src/providers/imageDownload.js';
import { parseJsonBody } from '../../src/providers/classify.js';
import { decodeBase64Image, imagesFromJson, inspectImage, type ImageDownloader } from '../../src/providers/images.js';
import { addressScope, isAddressAllowed } from '../../src/providers/netAddress.js';

// --- a small local server on loopback (no dependency on test/fakes) ---
interface TestServer {
  url: string;
  port: number;
  hits: string[];
  close(): Promise<void>;
}
async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const hits: string[] = [];
  const server = await listenOnLoopback((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  return { ...server, hits };
}
afterEach(closeLoopbackServers);

let png: Buffer;
let jpeg: Buffer;
let webp: Buffer;
let gif: Buffer;
beforeAll(async () => {
  const base = sharp({ create: { width: 12, height: 8, channels: 3, background: '#3366cc' } });
  png = await base.clone().png().toBuffer();
  jpeg = await base.clone().jpeg().toBuffer();
  webp = await base.clone().webp().toBuffer();
  gif = await base.clone().gif().toBuffer();
});

const local = { relay: 'local', allowPrivateAddresses: true, timeoutMs: 5_000 };

describe('base64 images', () => {
  it('decodes plain base64 and data URIs', () => {
    expect(decodeBase64Image(png.toString('base64')).equals(png)).toBe(true);
    expect(decodeBase64Image(`data:image/png;base64,${png.toString('base64')}`).equals(png)).toBe(true);
    const wrapped = png.toString('base64').replace(/(.{76})/g, '$1\n');
    expect(decodeBase64Image(wrapped).equals(png)).toBe(true);
  });

  it('refuses invalid base64', () => {
    expect(() => decodeBase64Image('not*base64!')).toThrow(MalformedResponseError);
    expect(() => decodeBase64Image('')).toThrow(MalformedResponseError);
    expect(() => decodeBase64Image('data:image/png,rawbytes')).toThrow(MalformedResponseError);
    expect(() => decodeBase64Image('abcde')).toThrow(MalformedResponseError);
  });

  const refused = (value: string): void => {
    expect(() => decodeBase64Image(value), JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)).toThrow(
      /invalid base64|not base64/,
    );
  };

  it('refuses an empty or blank string, with or without a data URI', () => {
    for (const value of ['', ' ', '\n', ' \r\n\t ', '=', '==', '====', 'data:image/png;base64,', 'data:image/png;base64, \n ']) {
      refused(value);
    }
  });

  it('refuses a character outside the alphabet anywhere, even where it keeps the length a multiple of 4', () => {
    const b64 = png.toString('base64');
    const middle = b64.length >> 1;
    // Latin-1 and non-Latin-1 characters: 'Ł' (U+0141) and 'ｱ' (U+FF71) have the low byte of 'A' and 'q',
    // which Node's decoder alone would read as those letters.
    for (const bad of ['*', '!', '.', ':', '"', '\\', '\u0000', '\u007f', 'é', '\u00ff', 'Ł', 'ｱ', '€', '🙂']) {
      for (const at of [0, 1, middle, b64.length - 2]) {
        refused(b64.slice(0, at) + bad + b64.slice(at + 1)); // replaced: same length
        refused(b64.slice(0, at) + bad + b64.slice(at)); // inserted
      }
      refused(`data:image/png;base64,${b64.slice(0, middle)}${bad}${b64.slice(middle + 1)}`);
    }
  });

  it('refuses bad padding: inside the data, more than two, or after a lone character', () => {
    const b64 = png.toString('base64').replace(/=+$/, '');
    const middle = (b64.length >> 3) * 4;
    refused(`${b64.slice(0, middle)}=${b64.slice(middle + 1)}`);
    refused(`${b64.slice(0, middle)}==${b64.slice(middle)}`);
    for (const value of ['QQ===', 'QQ=A', 'Q=Q=', '=QQQ', 'QUJD=', 'QUJDR', 'QUJDR=', 'QUJDR==', 'QUJDRA===', 'QUJDRA==A', 'QQ==\u0000']) {
      refused(value);
    }
    // Padding is optional, and a trailing '=' or '==' in the right place is read as padding.
    expect(decodeBase64Image('QQ==').toString()).toBe('A');
    expect(decodeBase64Image('QQ=').toString()).toBe('A');
    expect(decodeBase64Image('QQ').toString()).toBe('A');
    expect(decodeBase64Image('QUI=').toString()).toBe('AB');
    expect(decodeBase64Image('QUJD').toString()).toBe('ABC');
  });

  it('reads data URIs: any case, extra parameters, whitespace around; refuses one that is not base64', () => {
    const b64 = png.toString('base64');
    for (const value of [
      `DATA:IMAGE/PNG;BASE64,${b64}`,
      `data:image/png;name=card.png;base64,${b64}`,
      `data:;base64,${b64}`,
      `  data:image/png;base64,${b64}\n`,
      `data:image/png;base64,\n${b64}`,
    ]) {
      expect(decodeBase64Image(value).equals(png)).toBe(true);
    }
    expect(() => decodeBase64Image(`data:image/png;utf8,${b64}`)).toThrow(/not base64/);
    expect(() => decodeBase64Image(`data:image/png; base64,${b64}`)).toThrow(/not base64/);
    refused(`data:image/png;base64${b64}`); // no comma: not a data URI, and ':' is not base64
    refused(`data:image/png;base64,data:image/png;base64,${b64}`);
  });

  it('reads base64 with embedded newlines and other whitespace, and still checks what is left', () => {
    const b64 = png.toString('base64');
    for (const value of [
      b64.replace(/(.{76})/g, '$1\r\n'),
      b64.replace(/(.{64})/g, '$1\n'),
      `${b64.replace(/(.{76})/g, '$1\n')}\n`,
      b64.replace(/(.{4})/g, '$1 '),
      b64.replace(/(.{50})/g, '$1\t\u00a0\u3000\ufeff'),
      `\n\n${b64}\n\n`,
    ]) {
      expect(decodeBase64Image(value).equals(png)).toBe(true);
    }
    const wrapped = b64.replace(/(.{76})/g, '$1\n');
    const middle = wrapped.length >> 1;
    refused(`${wrapped.slice(0, middle)}*${wrapped.slice(middle + 1)}`);
    refused(`${wrapped.slice(0, middle)}Ł${wrapped.slice(middle)}`);
    refused(`${wrapped.slice(0, middle)}=\n${wrapped.slice(middle)}`);
  });

  it('reads the URL-safe alphabet (- and _), as before', () => {
    const bytes = Buffer.from(Array.from({ length: 301 }, (_, i) => (i * 7919) & 0xff));
    const url = bytes.toString('base64url'); // 402 characters, no padding
    expect(url).toMatch(/-/);
    expect(url).toMatch(/_/);
    expect(decodeBase64Image(url).equals(bytes)).toBe(true);
    expect(decodeBase64Image(`${url}==`).equals(bytes)).toBe(true);
  });

  it('accepts and refuses exactly what a full-string regex check would (fuzzed)', () => {
    // The check this one replaced, in full: strip whitespace, map the URL-safe alphabet, regex, length.
    // The new one is stricter in one place only: data that leaves one character over (D % 4 == 1)
    // before its padding ('QUJDR=') carries no whole byte and is refused too.
    const reference = (value: string): Buffer | undefined => {
      const b64 = value.trim().replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
      if (!b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 === 1) return undefined;
      if (b64.replace(/=+$/, '').length % 4 === 1) return undefined;
      return Buffer.from(b64, 'base64');
    };
    const decode = (value: string): Buffer | undefined => {
      try {
        return decodeBase64Image(value);
      } catch (error) {
        expect(error).toBeInstanceOf(MalformedResponseError);
        return undefined;
      }
    };
    let state = 0x2545f491;
    const random = (n: number): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    const alphabet = [
      ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_',
      ...'========',
      ...' \n\r\t',
      '*', '.', '\u0000', 'é', 'Ł', 'ｱ', '\u00a0', '\u3000', '🙂',
    ];
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const source = Buffer.from(Array.from({ length: random(13) }, () => random(256))).toString(random(2) ? 'base64' : 'base64url');
      let value = [...source];
      for (let edits = random(3); edits > 0; edits--) {
        const at = random(value.length + 1);
        const char = alphabet[random(alphabet.length)] as string;
        value = random(2) ? [...value.slice(0, at), char, ...value.slice(at)] : [...value.slice(0, at), char, ...value.slice(at + 1)];
      }
      const text = value.join('');
      const expected = reference(text);
      const actual = decode(text);
      expect(actual?.toString('hex'), JSON.stringify(text)).toBe(expected?.toString('hex'));
      if (actual) accepted++;
    }
    expect(accepted).toBeGreaterThan(5_000); // the fuzz exercised both outcomes
  });
});

describe('inspectImage', () => {
  it('sniffs PNG, JPEG, WebP and GIF with their dimensions', async () => {
    for (const [bytes, mime] of [
      [png, 'image/png'],
      [jpeg, 'image/jpeg'],
      [webp, 'image/webp'],
      [gif, 'image/gif'],
    ] as const) {
      await expect(inspectImage(bytes)).resolves.toMatchObject({ mime, width: 12, height: 8 });
    }
  });

  it('refuses truncated images and non-images', async () => {
    await expect(inspectImage(png.subarray(0, Math.floor(png.length / 2)))).rejects.toThrow(/truncated PNG/);
    await expect(inspectImage(jpeg.subarray(0, jpeg.length - 10))).rejects.toThrow(/truncated JPEG/);
    await expect(inspectImage(webp.subarray(0, webp.length - 4))).rejects.toThrow(/truncated WEBP/);
    await expect(inspectImage(gif.subarray(0, gif.length - 1))).rejects.toThrow(/truncated GIF/);
    await expect(inspectImage(Buffer.from('<html>oops</html>'))).rejects.toBeInstanceOf(MalformedResponseError);
  });

  it('refuses a corrupt header, and an image over the pixel limit, as malformed', async () => {
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    const badPrecision = Buffer.from(jpeg);
    badPrecision[sof + 4] = 7;
    await expect(inspectImage(badPrecision)).rejects.toThrow(/JPEG image that cannot be read/);
    const huge = Buffer.from(png);
    huge.writeUInt32BE(20_000, 16); // IHDR width and height (CRCs are not checked, as libvips does not)
    huge.writeUInt32BE(20_000, 20);
    await expect(inspectImage(huge)).rejects.toThrow(/PNG image of 20000x20000 pixels, more than/);
    await expect(inspectImage(huge)).rejects.toBeInstanceOf(MalformedResponseError);
  });

  it('asks sharp (loaded then) about a variant the header parser does not read', async () => {
    const unknownChunk = Buffer.from(webp);
    unknownChunk.write('ZZZZ', 12, 'latin1'); // the first RIFF chunk, normally VP8, VP8L or VP8X
    await expect(inspectImage(unknownChunk)).rejects.toThrow(/WEBP image that cannot be read/);
  });

  it('does not load sharp (libvips) when the providers are imported', async () => {
    // The compiled modules, in a fresh process: this test file itself loads sharp.
    const { execFileSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const script = [
      "import Module from 'node:module';",
      "await import('./dist/src/providers/router.js');",
      "await import('./dist/src/providers/images.js');",
      "process.stdout.write(String(Object.keys(Module._cache).some((path) => /[\\/]node_modules[\\/]sharp[\\/]/.test(path))));",
    ].join('\n');
    const loaded = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(loaded).toBe('false');
  });
});

describe('imagesFromJson', () => {
  const noDownload = async (): Promise<Buffer> => {
    throw new Error('unexpected download');
  };
  /** A response body as the relay client reads it: parsed once, then the images taken from it. */
  const imagesFromBody = (body: string, download: ImageDownloader, context = {}) => imagesFromJson(parseJsonBody(body), download, context);

  it('reads b64_json (data URI too), usage and seed', async () => {
    const body = JSON.stringify({
      created: 1,
      data: [
        { b64_json: png.toString('base64'), revised_prompt: 'a blue card' },
        { b64_json: `data:image/jpeg;base64,${jpeg.toString('base64')}`, url: null },
      ],
      usage: { total_tokens: 10 },
      seed: 42,
    });
    const parsed = await imagesFromBody(body, noDownload, { relay: 'r' });
    expect(parsed.images.map((i) => i.mime)).toEqual(['image/png', 'image/jpeg']);
    expect(parsed).toMatchObject({ usage: { total_tokens: 10 }, seed: 42 });
  });

  it('downloads URL results through the given downloader', async () => {
    const parsed = await imagesFromBody(JSON.stringify({ data: [{ url: ' https://cdn.example/x.png ' }] }), async (url) => {
      expect(url).toBe('https://cdn.example/x.png');
      return png;
    });
    expect(parsed.images[0]).toMatchObject({ mime: 'image/png', width: 12 });
  });

  it('refuses bodies without images', async () => {
    for (const body of ['{}', '{"data":[]}', '{"data":[{}]}', 'plain text', '{"data":[{"b64_json":"!!"}]}']) {
      await expect(imagesFromBody(body, noDownload, { relay: 'r' })).rejects.toBeInstanceOf(MalformedResponseError);
    }
  });
});

describe('downloadImage', () => {
  it('downloads an image', async () => {
    const server = await startServer((_req, res) => res.end(png));
    const bytes = await downloadImage(`${server.url}/img.png`, local);
    expect(bytes.equals(png)).toBe(true);
  });

  it('reports an expired link (404/403) as malformed_response', async () => {
    const server = await startServer((_req, res) => {
      res.statusCode = 404;
      res.end('gone');
    });
    const error = await downloadImage(`${server.url}/old.png`, local).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toMatchObject({ code: 'image_url_expired', status: 404 });
    expect((error as Error).message).toMatch(/expired/);
  });

  it('enforces the byte cap while streaming (no content-length)', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (let i = 0; i < 8; i++) res.write(chunk);
      res.end();
    });
    const error = await downloadImage(`${server.url}/big.png`, { ...local, maxBytes: 100_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toMatchObject({ code: 'image_too_large' });
  });

  it('refuses a declared content-length over the cap', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(png.length) });
      res.end(png);
    });
    await expect(downloadImage(`${server.url}/x.png`, { ...local, maxBytes: 10 })).rejects.toMatchObject({ code: 'image_too_large' });
  });

  it('refuses private addresses for a public relay, without connecting', async () => {
    const server = await startServer((_req, res) => res.end(png));
    const error = await downloadImage(`${server.url}/img.png`, { ...local, allowPrivateAddresses: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'malformed_response', code: 'image_url_blocked' });
    expect(server.hits).toHaveLength(0);
  });

  it('refuses a host name that resolves to a private or metadata address', async () => {
    const resolve = async () => [{ address: '169.254.169.254', family: 4 }];
    await expect(
      downloadImage('http://images.example/x.png', { ...local, allowPrivateAddresses: false, resolve }),
    ).rejects.toMatchObject({ code: 'image_url_blocked' });
    // Even a relay on a private network may not send us to the metadata service.
    await expect(downloadImage('http://images.example/x.png', { ...local, resolve })).rejects.toMatchObject({
      code: 'image_url_blocked',
    });
  });

  it('re-checks every redirect hop and refuses one to a private address', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/start') {
        res.writeHead(302, { location: 'http://10.1.2.3/internal.png' });
        res.end();
      } else if (req.url === '/via-name') {
        res.writeHead(301, { location: 'http://metadata.internal/latest' });
        res.end();
      } else res.end(png);
    });
    // Treat the test server's 127.0.0.1 as "public" so the first hop is allowed.
    const options = {
      ...local,
      allowPrivateAddresses: false,
      isAllowed: (address: string) => address === '127.0.0.1',
      resolve: async () => [{ address: '192.168.1.10', family: 4 }],
    };
    await expect(downloadImage(`${server.url}/start`, options)).rejects.toMatchObject({ code: 'image_url_blocked' });
    await expect(downloadImage(`${server.url}/via-name`, options)).rejects.toMatchObject({ code: 'image_url_blocked' });
    expect(server.hits).toEqual(['/start', '/via-name']);
  });

  it('follows up to three redirects, then gives up', async () => {
    const server = await startServer((req, res) => {
      const n = Number(req.url?.slice(1));
      if (n < 10) {
        res.writeHead(302, { location: `/${n + 1}` });
        res.end();
      } else res.end(png);
    });
    await expect(downloadImage(`${server.url}/7`, local)).resolves.toHaveLength(png.length);
    await expect(downloadImage(`${server.url}/1`, local)).rejects.toThrow(/redirected more than 3/);
  });

  it('refuses schemes other than http and https', async () => {
    await expect(downloadImage('file:///etc/passwd', local)).rejects.toBeInstanceOf(MalformedResponseError);
    await expect(downloadImage('ftp://example.com/x.png', local)).rejects.toBeInstanceOf(MalformedResponseError);
    await expect(downloadImage('not a url', local)).rejects.toBeInstanceOf(MalformedResponseError);
  });

  it('times out a stalled download and honours abort', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200);
      res.write(png.subarray(0, 10)); // then stall
    });
    const start = Date.now();
    await expect(downloadImage(`${server.url}/slow`, { ...local, timeoutMs: 300 })).rejects.toBeInstanceOf(RelayTimeoutError);
    expect(Date.now() - start).toBeLessThan(3_000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(downloadImage(`${server.url}/slow`, { ...local, signal: controller.signal })).rejects.toBeInstanceOf(
      CancelledError,
    );
  });

  it('knows whether a relay host is private', async () => {
    await expect(hostIsPrivate('http://127.0.0.1:8080/v1')).resolves.toBe(true);
    await expect(hostIsPrivate('http://[::1]:8080/v1')).resolves.toBe(true);
    await expect(hostIsPrivate('https://93.184.216.34/v1')).resolves.toBe(false);
    await expect(hostIsPrivate('https://relay.example/v1', async () => [{ address: '10.0.0.5', family: 4 }])).resolves.toBe(true);
  });
});

describe('address scopes', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['127.0.0.1', 'private'],
    ['10.20.30.40', 'private'],
    ['172.16.0.1', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.0.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.1.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['0.0.0.0', 'private'],
    ['::1', 'private'],
    ['::', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'private'],
    ['::ffff:127.0.0.1', 'private'],
    ['::ffff:7f00:1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:c0a8:0101::1', 'private'],
    ['fd00:ec2::254', 'metadata'],
    ['2606:4700::1111', 'public'],
    ['[::1]', 'private'],
    ['example.com', undefined],
  ])('%s is %s', (address, scope) => {
    expect(addressScope(address)).toBe(scope);
  });

  it('allows private addresses only when asked, metadata never', () => {
    expect(isAddressAllowed('127.0.0.1', false)).toBe(false);
    expect(isAddressAllowed('127.0.0.1', true)).toBe(true);
    expect(isAddressAllowed('169.254.169.254', true)).toBe(false);
    expect(isAddressAllowed('1.1.1.1', false)).toBe(true);
  });
});
