// `npm run bench [-- --only ack,ledger] [-- --quick]`: the benchmarks of issues 5, 14 and 15, measured through
// the local fakes in one run. Each benchmark runs in turn (never two at once: they would skew each
// other); progress goes to stderr, and one plain-text table with every figure to stdout at the end.
// See BENCHMARKS.md for what each figure means and how it is measured.
import { parseArgs } from 'node:util';
import { ackBenchmark } from './ack.js';
import { idleBenchmark } from './idle.js';
import { ledgerBenchmark } from './ledger.js';
import { memoryBenchmark } from './memory.js';
import { openaiBenchmark } from './openaiCompare.js';
import { overheadBenchmark } from './overhead.js';
import { postgresBenchmark } from './postgres.js';
import { formatTable, machineHeader, type Benchmark, type Row } from './report.js';
import { startupBenchmark } from './startup.js';

/** In the order they run. */
const BENCHMARKS: readonly Benchmark[] = [
  startupBenchmark,
  idleBenchmark,
  ackBenchmark,
  overheadBenchmark,
  memoryBenchmark,
  ledgerBenchmark,
  postgresBenchmark,
  openaiBenchmark,
];

const say = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`);
};

function selected(only: string | undefined): Benchmark[] {
  if (!only) return [...BENCHMARKS];
  const names = only.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown benchmark ${unknown.join(', ')}: choose from ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  }
  return BENCHMARKS.filter((b) => names.includes(b.name));
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, quick: { type: 'boolean' } }, strict: true });
  const quick = values.quick === true;
  const chosen = selected(values.only);
  const rows: Row[] = [];
  let failed = 0;
  const started = Date.now();
  for (const benchmark of chosen) {
    say(`${benchmark.name}: ${benchmark.title}`);
    const t = Date.now();
    try {
      rows.push(...(await benchmark.run({ quick, say })));
    } catch (error) {
      failed++;
      const message = error instanceof Error ? error.message : String(error);
      say(`${benchmark.name} failed: ${message}`);
      rows.push({ bench: benchmark.name, figure: 'ERROR', value: message.split('\n')[0] ?? '' });
    }
    say(`${benchmark.name}: done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  const header = [
    `imagine-bot benchmarks (${new Date(started).toISOString()}${quick ? ', --quick: reduced sizes' : ''}; ${((Date.now() - started) / 1000).toFixed(0)} s)`,
    machineHeader(),
  ];
  process.stdout.write(`${header.join('\n')}\n\n${formatTable(rows)}\n`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
