// The shapes every benchmark returns and the plain-text table main.ts prints at the end.
import { cpus, release, totalmem, platform, arch } from 'node:os';

export interface Row {
  /** Which benchmark (its --only name). */
  bench: string;
  /** What was measured, short. */
  figure: string;
  value: string;
  /** The goal, when the issue sets one ("p99 < 100 ms"). */
  target?: string;
  /** Whether the goal was met; absent when there is no goal. */
  pass?: boolean;
}

export interface BenchOptions {
  /** Smaller sizes for a smoke test (`--quick`). */
  quick: boolean;
  /** Progress lines go to stderr; stdout is kept for the table. */
  say(line: string): void;
}

export interface Benchmark {
  /** The name `--only` selects it by. */
  name: string;
  title: string;
  run(options: BenchOptions): Promise<Row[]>;
}

export function machineHeader(): string {
  const cpu = cpus();
  const model = cpu[0]?.model.trim() || 'unknown CPU';
  const ram = (totalmem() / 1024 ** 3).toFixed(1);
  return `machine: ${model}, ${cpu.length} cores, ${ram} GiB RAM, Node ${process.version}, ${platform()} ${release()} ${arch()}`;
}

/** Left-aligned columns separated by two spaces; a column is as wide as its widest cell. */
export function formatTable(rows: readonly Row[]): string {
  const header = ['benchmark', 'figure', 'value', 'target', 'result'];
  const cells = rows.map((row) => [
    row.bench,
    row.figure,
    row.value,
    row.target ?? '',
    row.pass === undefined ? '' : row.pass ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => (line[column] ?? '').length)));
  const line = (values: string[]) => values.map((value, column) => value.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const body: string[] = [];
  cells.forEach((values, index) => {
    // A blank line between benchmarks keeps the table readable.
    if (index > 0 && rows[index - 1]?.bench !== rows[index]?.bench) body.push('');
    body.push(line(values));
  });
  return [line(header), rule, ...body].join('\n');
}
