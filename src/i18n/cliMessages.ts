// What the command-line tool prints about a batch, in English and Simplified Chinese (the CLI picks
// one by its --lang / LANG). Errors themselves are worded by errorMessages.ts.
import type { Localized } from './locale.js';

const both = (en: string, zh: string): Localized => ({ en, zh });

/** A batch's totals, as cli/batch.ts counts them. */
export interface BatchTotals {
  succeeded: number;
  failed: number;
  /** `kind count` for each failure class, sorted. */
  classes: readonly string[];
  seconds: string;
  cost: string;
  possiblyBilled: number;
}

export const cliText = {
  line: (p: { line: number }) => both(`line ${p.line}`, `第 ${p.line} 行`),
  lineInvalid: (p: { error: string }) => both(`the line is invalid: ${p.error}`, `该行无效:${p.error}`),
  cancelled: both('cancelled', '已取消'),
  /** After `✓ line N model size, `. */
  imagesSaved: (p: { count: number; seconds: string }) =>
    both(`${p.count} image${p.count === 1 ? '' : 's'}, ${p.seconds} s`, `${p.count} 张,${p.seconds} 秒`),
  batchSummary: (p: BatchTotals) => {
    const failed = both(
      p.failed ? `${p.failed} failed (${p.classes.join(', ')})` : '0 failed',
      p.failed ? `失败 ${p.failed} 个(${p.classes.join(',')})` : '失败 0 个',
    );
    const billed = both(
      p.possiblyBilled ? `; ${p.possiblyBilled} timed out and may also have been billed` : '',
      p.possiblyBilled ? `;其中 ${p.possiblyBilled} 个超时,可能仍已计费` : '',
    );
    return both(
      `batch done: ${p.succeeded} succeeded, ${failed.en} in ${p.seconds} s, estimated cost ${p.cost}${billed.en}`,
      `批量完成:成功 ${p.succeeded} 个,${failed.zh},用时 ${p.seconds} 秒,预估费用 ${p.cost}${billed.zh}`,
    );
  },
  batchFileUnreadable: (p: { file: string; code: string }) =>
    both(`cannot read the batch file ${p.file} (${p.code})`, `无法读取批量文件 ${p.file}(${p.code})`),
  batchFileEmpty: (p: { file: string }) =>
    both(`the batch file ${p.file} holds no prompts (one per line, or JSON lines)`, `批量文件 ${p.file} 中没有提示词`),
} as const;
