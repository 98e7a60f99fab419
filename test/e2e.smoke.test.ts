// The first end-to-end check: the real bot process, the real discord.js client, both fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { startWorld, type World, waitSettled } from './helpers/world.js';

describe('/imagine end to end (smoke)', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('defers at once, then edits the reply with the image as an attachment and logs the attempt', async () => {
    const handle = world.discord.interact({
      name: 'imagine',
      options: [
        { name: 'prompt', type: 3, value: 'a red fox in snow' },
        { name: 'model', type: 3, value: 'flux-2-pro' },
        { name: 'size', type: 3, value: '16:9' },
      ],
    });
    const ack = await handle.waitForCallback(3000);
    expect(ack.type).toBe(5);
    await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
    const attachment = handle.original()!.attachments[0]!;
    const meta = await sharp(attachment.bytes).metadata();
    expect([meta.width, meta.height]).toEqual([1360, 768]);
    expect(JSON.stringify(handle.original()!.embeds)).toContain('flux-2-pro');
    await waitSettled(world, handle.id);
    const rows = world.usageRows();
    expect(rows.at(-1)).toMatchObject({ outcome: 'success', model: 'flux-2-pro', user_id: world.discord.defaultUser.id });
  });
});
