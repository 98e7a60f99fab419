// Seed 001 (shared/seeds/001_b9045e507c71f51b.txt, APIYI FLUX.2 / FLUX 1.x text-to-image) replayed
// through the bot's own relay client against the relay fake playing APIYI (`profile: 'apiyi'`): every
// request body the page prints, its parameter and model tables, its errors, and the gpt-image-2-all
// conversational endpoint its first line announces. Test names cite the seed's lines.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MalformedResponseError, RelayAuthError, RelayBadRequestError } from '../../src/providers/errors.js';
import { closeAgents } from '../../src/providers/http.js';
import { downloadImage } from '../../src/providers/imageDownload.js';
import { inspectImage } from '../../src/providers/images.js';
import type { RelayFake } from '../fakes/relay/index.js';
import {
  imageInfo,
  postValue,
  received,
  refusal,
  relayFor,
  replay,
  replayFailure,
  solidPng,
  startSeedRelay,
  TIMEOUT_MS,
  type Body,
} from './replay.js';

let fake: RelayFake;
let clock = 1_700_000_000_000;

beforeAll(async () => {
  fake = await startSeedRelay('apiyi', { now: () => clock });
});

afterEach(() => {
  fake.reset();
});

afterAll(async () => {
  await closeAgents();
  await fake.close();
});

const CITY = 'A cinematic shot of a futuristic city at sunset, 85mm lens';

describe('001: every request body the page prints', () => {
  const examples: Array<{ name: string; body: Body; image: [number, number, string] }> = [
    {
      name: '001 lines 2-10 curl --data {model flux-2-pro, prompt}: defaults size 1024x1024 (line 122), jpeg (line 127)',
      body: { model: 'flux-2-pro', prompt: CITY },
      image: [1024, 1024, 'jpeg'],
    },
    {
      name: '001 lines 19-27 the same curl, printed again',
      body: { model: 'flux-2-pro', prompt: CITY },
      image: [1024, 1024, 'jpeg'],
    },
    {
      // The OpenAI Python SDK sends exactly these three fields. 1920x1080 is a "常用" size (line 156)
      // though 1080 is no multiple of 16: taken, and painted with each side on a multiple of 16.
      name: '001 lines 44-48 Python SDK client.images.generate(model flux-2-pro, size "1920x1080")',
      body: { model: 'flux-2-pro', prompt: `${CITY}, hyper-realistic`, size: '1920x1080' },
      image: [1920, 1088, 'jpeg'],
    },
    {
      name: '001 lines 75-83 curl -d {flux-2-pro, hex-colour prompt, size 1024x1024, output_format png}',
      body: {
        model: 'flux-2-pro',
        prompt: 'Luxury eyeshadow palette with 6 pans: top row #B76E79, #E8D5B7, #8B4789; bottom row #CD7F32, #F8F6F0, #800020',
        size: '1024x1024',
        output_format: 'png',
      },
      image: [1024, 1024, 'png'],
    },
    {
      name: '001 lines 84-97 Node fetch {flux-2-klein-9b, width 1024, height 1024}',
      body: { model: 'flux-2-klein-9b', prompt: 'A serene mountain landscape at golden hour, soft diffused light', width: 1024, height: 1024 },
      image: [1024, 1024, 'jpeg'],
    },
    {
      name: '001 lines 103-114 browser fetch {flux-2-pro, size 1536x1024}',
      body: { model: 'flux-2-pro', prompt: 'Watercolor aurora borealis over Nordic mountains', size: '1536x1024' },
      image: [1536, 1024, 'jpeg'],
    },
  ];

  it.each(examples)('$name → a URL the bot downloads at once (lines 38, 151)', async ({ body, image }) => {
    const result = await replay(relayFor(fake), body);
    expect(received(fake).body).toEqual(body);
    // Nothing dropped on the way: APIYI forwards the FLUX fields as sent.
    expect(received(fake).forwarded).toEqual(body);
    expect(result.attempts).toBe(1);
    expect(result.images).toHaveLength(1);
    expect(fake.downloads).toHaveLength(1);
    expect(await imageInfo(result.images[0]!.bytes)).toEqual({ width: image[0], height: image[1], format: image[2] });
  });

  it('001 lines 53-71 Python requests {flux-2-max, width 1920, height 1080, …}: 400 — line 38 "width / height 必须是 16 的倍数 — 不满足会 400 报错"', async () => {
    // The page's own example (and the height example of line 162) breaks the rule it states; the rule wins.
    const body = {
      model: 'flux-2-max',
      prompt: "Score of yesterday's Champions League final, infographic style",
      width: 1920,
      height: 1080,
      safety_tolerance: 2,
      output_format: 'jpeg',
      seed: 42,
    };
    const error = await replayFailure(relayFor(fake), body);
    expect(error).toBeInstanceOf(RelayBadRequestError);
    expect(error).toMatchObject({ kind: 'bad_request', status: 400, param: 'height' });
    expect(fake.requests).toHaveLength(1);
    // With a height the rule allows, the same body is drawn.
    const fixed = await replay(relayFor(fake), { ...body, height: 1088 });
    expect(await imageInfo(fixed.images[0]!.bytes)).toEqual({ width: 1920, height: 1088, format: 'jpeg' });
  });

  it('001 lines 143-151: the answer is {created, data: [{url}]}, a URL and never base64 ("FLUX 走 URL,不返回 base64")', async () => {
    const answer = await postValue(relayFor(fake), { model: 'flux-2-pro', prompt: CITY });
    expect(answer.status).toBe(200);
    const json = JSON.parse(answer.text) as { created: unknown; data: Array<Record<string, unknown>> };
    expect(json.created).toEqual(expect.any(Number));
    expect(json.data).toHaveLength(1);
    expect(json.data[0]).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/files\/\w+\.jpeg$/) });
    expect(answer.headers['x-request-id']).toBe(fake.requests[0]?.requestId);
  });

  it('001 line 38 "data[0].url 必须立即下载,过期返回 404" and line 151 "签名 10 分钟过期"', async () => {
    const relay = relayFor(fake);
    const answer = await postValue(relay, { model: 'flux-2-pro', prompt: CITY });
    const url = (JSON.parse(answer.text) as { data: Array<{ url: string }> }).data[0]!.url;
    const fetchIt = (): Promise<Buffer> => downloadImage(url, { relay: relay.name, timeoutMs: TIMEOUT_MS, allowPrivateAddresses: true });
    clock += 9 * 60 * 1000;
    expect((await inspectImage(await fetchIt())).mime).toBe('image/jpeg');
    clock += 60 * 1000;
    const expired = await fetchIt().catch((error: unknown) => error);
    expect(expired).toBeInstanceOf(MalformedResponseError);
    expect(expired).toMatchObject({ status: 404, code: 'image_url_expired' });
  });
});

describe('001 lines 118-131: the parameter table', () => {
  it('line 123 "width … 与 size 二选一": size together with width/height is a 400 the bot reports', async () => {
    const error = await replayFailure(relayFor(fake), { model: 'flux-2-pro', prompt: CITY, size: '1024x1024', width: 1024, height: 1024 });
    expect(error).toMatchObject({ kind: 'bad_request', status: 400, param: 'size' });
  });

  it('lines 157, 159-162: sides 64–2048 and multiples of 16, custom sizes included; the common sizes of line 156 all pass', async () => {
    const relay = relayFor(fake);
    for (const size of ['1024x1024', '1536x1024', '1024x1536', '1440x2048', '2048x2048', '64x64']) {
      const result = await replay(relay, { model: 'flux-2-pro', prompt: CITY, size });
      expect(`${result.images[0]?.width}x${result.images[0]?.height}`).toBe(size);
    }
    for (const body of [
      { size: '1000x1000' },
      { size: '2064x1024' },
      { size: '48x1024' },
      { width: 2064, height: 1024 },
      { width: 1024, height: 48 },
      { width: 1000 },
    ]) {
      const error = await replayFailure(relay, { model: 'flux-2-pro', prompt: CITY, ...body });
      expect(error, JSON.stringify(body)).toMatchObject({ kind: 'bad_request', status: 400 });
      expect(['size', 'width', 'height']).toContain(error.param);
    }
  });

  it('line 126 "safety_tolerance 0(最严)– 6(最宽松)": 6 is taken on FLUX.2 too, 7 is refused', async () => {
    const relay = relayFor(fake);
    for (const model of ['flux-2-pro', 'flux-2-klein-4b', 'flux-pro-1.1', 'flux-dev']) {
      expect((await replay(relay, { model, prompt: CITY, safety_tolerance: 6 })).images).toHaveLength(1);
      expect(await refusal(relay, { model, prompt: CITY, safety_tolerance: 7 })).toMatchObject({ kind: 'bad_request', param: 'safety_tolerance' });
    }
  });

  it('lines 125, 127, 128: seed an integer, output_format jpeg/png only, prompt_upsampling a boolean ([klein] ignores it)', async () => {
    const relay = relayFor(fake);
    const png = await replay(relay, { model: 'flux-2-klein-4b', prompt: CITY, seed: 42, output_format: 'png', prompt_upsampling: true });
    expect(png.images[0]?.mime).toBe('image/png');
    expect(await refusal(relay, { model: 'flux-2-pro', prompt: CITY, output_format: 'webp' })).toMatchObject({ param: 'output_format' });
    expect(await refusal(relay, { model: 'flux-2-pro', prompt: CITY, prompt_upsampling: 'yes' })).toMatchObject({ param: 'prompt_upsampling' });
    expect(await refusal(relay, { model: 'flux-2-pro', prompt: CITY, seed: 4.2 })).toMatchObject({ param: 'seed' });
  });

  it('lines 129-130: steps 1–50 and guidance 1.5–10, only on flux-2-flex', async () => {
    const relay = relayFor(fake);
    expect((await replay(relay, { model: 'flux-2-flex', prompt: CITY, steps: 50, guidance: 10 })).images).toHaveLength(1);
    expect((await replay(relay, { model: 'flux-2-flex', prompt: CITY, steps: 1, guidance: 1.5 })).images).toHaveLength(1);
    expect(await refusal(relay, { model: 'flux-2-flex', prompt: CITY, steps: 51 })).toMatchObject({ status: 400, param: 'steps' });
    expect(await refusal(relay, { model: 'flux-2-flex', prompt: CITY, guidance: 1.4 })).toMatchObject({ status: 400, param: 'guidance' });
    expect(await refusal(relay, { model: 'flux-2-pro', prompt: CITY, steps: 20 })).toMatchObject({ status: 400, param: 'steps' });
    expect(await refusal(relay, { model: 'flux-2-max', prompt: CITY, guidance: 4.5 })).toMatchObject({ status: 400, param: 'guidance' });
  });

  it('line 131 "n … 仅支持 1": n 2 is a 400 the bot reports', async () => {
    expect((await replay(relayFor(fake), { model: 'flux-2-pro', prompt: CITY, n: 1 })).images).toHaveLength(1);
    const error = await replayFailure(relayFor(fake), { model: 'flux-2-pro', prompt: CITY, n: 2 });
    expect(error).toMatchObject({ kind: 'bad_request', status: 400, param: 'n' });
  });
});

describe('001 lines 132-142: the model table', () => {
  const models = ['flux-2-max', 'flux-2-pro', 'flux-2-flex', 'flux-2-klein-9b', 'flux-2-klein-4b', 'flux-pro-1.1-ultra', 'flux-pro-1.1', 'flux-pro', 'flux-dev'];

  it.each(models)('%s answers {model, prompt} with a 1024x1024 JPEG', async (model) => {
    const result = await replay(relayFor(fake), { model, prompt: CITY });
    expect(await imageInfo(result.images[0]!.bytes)).toEqual({ width: 1024, height: 1024, format: 'jpeg' });
  });

  it('line 140 "flux-pro-1.1 … 老版 1.6MP": 1248x1248 (1.56 MP) passes, 1440x1440 (2.07 MP) and the 1920x1080 preset do not', async () => {
    const relay = relayFor(fake);
    expect((await replay(relay, { model: 'flux-pro-1.1', prompt: CITY, size: '1248x1248' })).images[0]).toMatchObject({ width: 1248, height: 1248 });
    for (const size of ['1440x1440', '1920x1080']) {
      expect(await replayFailure(relay, { model: 'flux-pro-1.1', prompt: CITY, size })).toMatchObject({ kind: 'bad_request', param: 'size' });
    }
    // The other models keep the page's 4 MP.
    expect((await replay(relay, { model: 'flux-pro', prompt: CITY, size: '1440x1440' })).images[0]).toMatchObject({ width: 1440, height: 1440 });
  });

  it('line 139 "flux-pro-1.1-ultra … 老版 4MP": sizes up to 4 MP on this page, by size or width/height only', async () => {
    const relay = relayFor(fake);
    expect((await replay(relay, { model: 'flux-pro-1.1-ultra', prompt: CITY, size: '2048x2048' })).images[0]).toMatchObject({ width: 2048, height: 2048 });
    expect((await replay(relay, { model: 'flux-pro-1.1-ultra', prompt: CITY, width: 1920, height: 1088 })).images[0]).toMatchObject({ width: 1920, height: 1088 });
    // The page lists no aspect_ratio: it does not shape the image (the size's default, 1024x1024, does).
    expect((await replay(relay, { model: 'flux-pro-1.1-ultra', prompt: CITY, aspect_ratio: '16:9' })).images[0]).toMatchObject({ width: 1024, height: 1024 });
  });
});

describe('input images (APIYI\'s FLUX edit page, docs.apiyi.com, not a seed): a public URL or a data URL', () => {
  it('input_image … input_image_8 take data URLs and links on flux-2-pro; the answer is made from them', async () => {
    const red = `data:image/png;base64,${(await solidPng([255, 0, 0])).toString('base64')}`;
    const body: Body = { model: 'flux-2-pro', prompt: 'combine them', size: '1024x512', input_image: red, input_image_2: 'https://example.com/a.png' };
    for (let index = 3; index <= 8; index++) body[`input_image_${index}`] = red;
    const result = await replay(relayFor(fake), body);
    expect(result.images[0]).toMatchObject({ width: 1024, height: 512 });
  });

  it('bare base64 without the data: prefix is a 400 naming the field; so are a ninth image on FLUX.2 and a fifth on [klein]', async () => {
    const relay = relayFor(fake);
    const bare = (await solidPng([0, 0, 255])).toString('base64');
    const dataUrl = `data:image/png;base64,${bare}`;
    expect(await replayFailure(relay, { model: 'flux-2-pro', prompt: 'x', input_image: bare })).toMatchObject({ kind: 'bad_request', param: 'input_image' });
    const nine: Body = { model: 'flux-2-max', prompt: 'x' };
    for (const name of ['input_image', ...[2, 3, 4, 5, 6, 7, 8, 9].map((index) => `input_image_${index}`)]) nine[name] = dataUrl;
    expect(await replayFailure(relay, nine)).toMatchObject({ kind: 'bad_request', param: 'input_image_9' });
    const five: Body = { model: 'flux-2-klein-9b', prompt: 'x' };
    for (const name of ['input_image', 'input_image_2', 'input_image_3', 'input_image_4', 'input_image_5']) five[name] = dataUrl;
    expect(await replayFailure(relay, five)).toMatchObject({ kind: 'bad_request', param: 'input_image_5' });
  });
});

describe('001 line 1 "gpt-image-2-all 已上线 … 对话式端点" (APIYI\'s gpt-image-2-all pages: docs.apiyi.com, not a seed)', () => {
  /** The doc's own extraction: "https?://[^\s)]+\.(png|jpg|jpeg|webp)" or "data:image/[^\s)]+". */
  const IMAGE_LINK = /https?:\/\/[^\s)]+\.(png|jpg|jpeg|webp)|data:image\/[^\s)]+/;

  async function chatImage(body: Body): Promise<{ width?: number; height?: number; mime: string }> {
    const relay = relayFor(fake);
    const answer = await postValue(relay, body, '/chat/completions');
    expect(answer.status, answer.text).toBe(200);
    const json = JSON.parse(answer.text) as { object: string; choices: Array<{ message: { role: string; content: string } }> };
    expect(json.object).toBe('chat.completion');
    expect(json.choices[0]?.message.role).toBe('assistant');
    const link = IMAGE_LINK.exec(json.choices[0]?.message.content ?? '')?.[0];
    expect(json.choices[0]?.message.content).toContain(`![image](${link})`);
    const bytes = await downloadImage(link!, { relay: relay.name, timeoutMs: TIMEOUT_MS, allowPrivateAddresses: true });
    return inspectImage(bytes);
  }

  it('POST /v1/chat/completions with a text message: a chat.completion whose text holds the image as a markdown link', async () => {
    const body = { model: 'gpt-image-2-all', messages: [{ role: 'user', content: 'A small green square centered on a white background.' }] };
    expect(await chatImage(body)).toMatchObject({ width: 1024, height: 1024, mime: 'image/png' });
    expect(received(fake).body).toEqual(body);
    expect(fake.requests[0]?.path).toBe('/v1/chat/completions');
  });

  it('content parts: text plus an image_url (a link or a data URL), stream false; the model picks the size ("由模型自适应")', async () => {
    const dataUrl = `data:image/png;base64,${(await solidPng([0, 128, 0])).toString('base64')}`;
    const image = await chatImage({
      model: 'gpt-image-2-all',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Put both in one poster. Image size: aspect ratio 16:9.' },
            { type: 'image_url', image_url: { url: 'https://example.com/ref.png' } },
            { type: 'image_url', image_url: { url: dataUrl } },
          ],
        },
      ],
      stream: false,
    });
    expect(image).toMatchObject({ width: 1024, height: 1024, mime: 'image/png' });
  });

  it('stream true is refused (not supported), as are raw base64 image parts and other models', async () => {
    const relay = relayFor(fake);
    const message = { role: 'user', content: 'a fox' };
    const stream = await refusal(relay, { model: 'gpt-image-2-all', messages: [message], stream: true }, '/chat/completions');
    expect(stream).toMatchObject({ kind: 'bad_request', status: 400, param: 'stream' });
    const raw = await refusal(
      relay,
      { model: 'gpt-image-2-all', messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: 'iVBORw0KGgo=' } }] }] },
      '/chat/completions',
    );
    expect(raw).toMatchObject({ kind: 'bad_request', status: 400 });
    expect(await refusal(relay, { model: 'flux-2-pro', messages: [message] }, '/chat/completions')).toMatchObject({ kind: 'bad_request', param: 'model' });
  });

  it('on /v1/images/generations it takes only {model, prompt, response_format}: size, n, quality, aspect_ratio are 400s naming the field', async () => {
    const relay = relayFor(fake);
    const url = await replay(relay, { model: 'gpt-image-2-all', prompt: 'a fox', response_format: 'url' });
    expect(url.images[0]).toMatchObject({ width: 1024, height: 1024, mime: 'image/png' });
    expect(fake.downloads).toHaveLength(1);
    for (const extra of [{ size: '1024x1024' }, { n: 1 }, { quality: 'high' }, { aspect_ratio: '1:1' }]) {
      const error = await refusal(relay, { model: 'gpt-image-2-all', prompt: 'a fox', ...extra });
      expect(error).toMatchObject({ kind: 'bad_request', status: 400, param: Object.keys(extra)[0] });
    }
  });
});

describe('001 line 4 "Authorization: Bearer <token>"', () => {
  it('a wrong key is a 401 the bot reports as an auth error, without retrying', async () => {
    const error = await replayFailure(relayFor(fake, { apiKey: 'sk-not-an-apiyi-key' }), { model: 'flux-2-pro', prompt: CITY });
    expect(error).toBeInstanceOf(RelayAuthError);
    expect(error).toMatchObject({ kind: 'auth', status: 401 });
    expect(fake.requests).toHaveLength(1);
  });
});
