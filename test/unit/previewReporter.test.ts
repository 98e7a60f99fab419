// Previews in the deferred reply: small, spaced, one edit at a time, latest wins, silent failures,
// and nothing after stop() (the final delivery must be the last edit).
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { downscalePreview, PreviewReporter, type PreviewFrame } from '../../src/discord/previewReporter.js';
import type { PartialImage } from '../../src/providers/imageEvents.js';

let big: Buffer;
beforeAll(async () => {
  big = await sharp({ create: { width: 1024, height: 1536, channels: 3, background: '#336699' } }).png().toBuffer();
});

const partial = (index: number, bytes = big): PartialImage => ({ index, total: 3, bytes, mime: 'image/png' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !condition(); await sleep(5)) {
    if (Date.now() > end) throw new Error('condition not met in time');
  }
}

/** A show() that records frames and when each started, taking `editMs` per edit. */
function recorder(editMs = 0, fail = false) {
  const frames: Array<PreviewFrame & { at: number }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const show = async (frame: PreviewFrame) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    frames.push({ ...frame, at: Date.now() });
    await sleep(editMs);
    inFlight--;
    if (fail) throw new Error('Discord said no');
  };
  return { frames, show, maxInFlight: () => maxInFlight };
}

describe('downscalePreview', () => {
  it('makes a small WebP of at most 512 px a side, keeping the shape', async () => {
    const file = await downscalePreview(big);
    const meta = await sharp(file).metadata();
    expect(meta.format).toBe('webp');
    expect([meta.width, meta.height]).toEqual([341, 512]);
    expect(file.length).toBeLessThan(big.length);
  });

  it('never enlarges a small image', async () => {
    const small = await sharp({ create: { width: 100, height: 60, channels: 3, background: '#000' } }).png().toBuffer();
    const meta = await sharp(await downscalePreview(small)).metadata();
    expect([meta.width, meta.height]).toEqual([100, 60]);
  });
});

describe('PreviewReporter', () => {
  it('shows the first preview at once, then at most one per interval, and the latest one waiting wins', async () => {
    const rec = recorder(20);
    const reporter = new PreviewReporter(rec.show, { minIntervalMs: 300 });
    const started = Date.now();
    reporter.offer(partial(0));
    await sleep(50);
    reporter.offer(partial(1));
    reporter.offer(partial(2)); // replaces 1 before it was shown
    await sleep(600);
    await reporter.stop();
    expect(rec.frames.map((frame) => frame.number)).toEqual([1, 3]);
    expect(rec.frames[0]!.at - started).toBeLessThan(250);
    expect(rec.frames[1]!.at - rec.frames[0]!.at).toBeGreaterThanOrEqual(280);
    expect(rec.maxInFlight()).toBe(1);
    expect(reporter.current).toEqual({ number: 3, total: 3 });
    expect(rec.frames[0]!.name).toBe('preview.webp');
  });

  it('names the file as a spoiler where the channel wants spoilers', async () => {
    const rec = recorder();
    const reporter = new PreviewReporter(rec.show, { spoiler: true });
    reporter.offer(partial(0));
    await sleep(200);
    await reporter.stop();
    expect(rec.frames[0]?.name).toBe('SPOILER_preview.webp');
  });

  it('stop() waits for the edit in flight and drops what is waiting: nothing is shown after it', async () => {
    const rec = recorder(150);
    const reporter = new PreviewReporter(rec.show, { minIntervalMs: 100 });
    reporter.offer(partial(0));
    await until(() => rec.frames.length === 1); // the first edit is in flight (it takes 150 ms)
    reporter.offer(partial(1));
    const stopping = Date.now();
    await reporter.stop();
    expect(Date.now() - stopping).toBeGreaterThanOrEqual(100);
    const count = rec.frames.length;
    reporter.offer(partial(2));
    await sleep(250);
    expect(rec.frames).toHaveLength(count);
    expect(rec.frames.map((frame) => frame.number)).toEqual([1]);
  });

  it('stop() during the wait between previews returns at once', async () => {
    const rec = recorder();
    const reporter = new PreviewReporter(rec.show, { minIntervalMs: 5_000 });
    reporter.offer(partial(0));
    await until(() => rec.frames.length === 1);
    reporter.offer(partial(1));
    await sleep(20);
    const stopping = Date.now();
    await reporter.stop();
    expect(Date.now() - stopping).toBeLessThan(100);
    expect(rec.frames).toHaveLength(1);
  });

  it('a failing edit or an undecodable preview is swallowed, and later previews still go out', async () => {
    const failing = recorder(0, true);
    const reporter = new PreviewReporter(failing.show, { minIntervalMs: 50 });
    reporter.offer(partial(0));
    await sleep(150);
    expect(reporter.current).toBeUndefined(); // the caption does not claim a preview that failed
    reporter.offer(partial(1, Buffer.from('not an image')));
    await sleep(150);
    reporter.offer(partial(2));
    await sleep(150);
    await reporter.stop();
    expect(failing.frames.map((frame) => frame.number)).toEqual([1, 3]);
  });

  it('shows nothing once the token is no longer usable', async () => {
    const rec = recorder();
    const reporter = new PreviewReporter(rec.show, { stillUseful: () => false });
    reporter.offer(partial(0));
    await sleep(100);
    await reporter.stop();
    expect(rec.frames).toHaveLength(0);
  });
});
