// Discord snowflakes: 42 bits of milliseconds since the Discord epoch, then worker/process/increment.
// The bot derives an interaction's creation time (and so its token's 15-minute lifetime) from the id,
// so every id the fake hands out must carry a real timestamp.

export const DISCORD_EPOCH = 1_420_070_400_000;

export function timestampOf(id: string): number {
  return Number(BigInt(id) >> 22n) + DISCORD_EPOCH;
}

export class SnowflakeGenerator {
  private increment = 0n;

  constructor(private readonly clock: () => number) {}

  /** A fresh id stamped with `at` (ms since the Unix epoch), or the fake's clock when omitted. */
  next(at: number = this.clock()): string {
    const ms = BigInt(Math.max(0, Math.floor(at) - DISCORD_EPOCH));
    // The 12-bit increment keeps ids unique within one millisecond; worker 1, process 1 like a real node.
    this.increment = (this.increment + 1n) & 0xfffn;
    return ((ms << 22n) | (1n << 17n) | (1n << 12n) | this.increment).toString();
  }
}
