// An image that passes every check short of decoding: a 1024² noise PNG with half its IDAT chunks
// dropped (the header, the chunk walk and the IEND are fine), served on loopback so a relay answer
// can point at it. Over the upload limit the bot must decode it to re-encode it, and fails there.
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { listenOnLoopback } from './loopbackServer.js';

export async function undecodablePng(): Promise<Buffer> {
  const whole = await sharp(randomBytes(1024 * 1024 * 3), { raw: { width: 1024, height: 1024, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
  const chunks: Array<{ type: string; bytes: Buffer }> = [];
  for (let offset = 8; offset < whole.length; ) {
    const end = offset + 12 + whole.readUInt32BE(offset);
    chunks.push({ type: whole.toString('latin1', offset + 4, offset + 8), bytes: whole.subarray(offset, end) });
    offset = end;
  }
  const idats = chunks.filter((chunk) => chunk.type === 'IDAT');
  const kept = chunks.filter((chunk) => chunk.type !== 'IDAT' || idats.indexOf(chunk) < idats.length / 2);
  return Buffer.concat([whole.subarray(0, 8), ...kept.map((chunk) => chunk.bytes)]);
}

/** Serves an undecodable PNG on 127.0.0.1; close it with closeLoopbackServers. */
export async function serveUndecodablePng(): Promise<{ url: string; close(): Promise<void> }> {
  const broken = await undecodablePng();
  const server = await listenOnLoopback((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(broken));
  return { url: `${server.url}/broken.png`, close: server.close };
}
