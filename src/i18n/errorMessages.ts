// The one place that turns an error into what the user reads, in English and Simplified Chinese.
// Relay details (request ids, the relay's own message for a bad request) are shown; keys never are
// (everything from relays went through `redact` before it reached the error).
//
// i18n is the lowest layer: it reads errors by their shape (ExplainableError) rather than importing
// the classes. The kinds are declared here so the switch below stays exhaustive; catalog/failure.ts
// builds ImagineError on them.
import type { Localized } from './locale.js';

/** Every class of failure (see ImagineError in catalog/failure.ts). */
export const ERROR_KINDS = [
  'invalid_input', // refused locally before any request: nothing spent
  'timeout', // no answer in time, connection cut after sending, HTML 502/504/52x: may be billed
  'content_policy',
  'auth', // 401/403, bad key
  'billing', // 402, insufficient quota
  'bad_request', // the relay refused the request as invalid (400/404/413/422, model_not_found)
  'rate_limit',
  'upstream', // 408/409/5xx with a JSON body, connection refused before sending
  'malformed_response', // 200 but no usable image
  'cancelled', // aborted by the caller (user pressed cancel, shutdown)
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

/** What explainError reads of an ImagineError (and of InvalidInputError's detail and valid list). */
export interface ExplainableError {
  kind: ErrorKind;
  message: string;
  requestId?: string;
  relayMessage?: string;
  param?: string;
  /** InvalidInputError: its detail in both languages. */
  text?: Localized;
  /** InvalidInputError: what would be accepted. */
  valid?: Localized;
}

const KINDS: ReadonlySet<string> = new Set(ERROR_KINDS);

function isExplainable(error: unknown): error is ExplainableError {
  return error instanceof Error && KINDS.has(String((error as { kind?: unknown }).kind));
}

/** config/errors.ts ConfigError, known by its name (set in its constructor). */
function isConfigError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ConfigError';
}

const PARAM_ZH: Record<string, string> = {
  prompt: '提示词',
  model: '模型',
  size: '尺寸',
  quality: '质量',
  seed: '种子',
  safety_tolerance: '安全容忍度',
  safetyTolerance: '安全容忍度',
  n: '图片数量',
  steps: '步数',
  guidance: '引导强度',
  output_format: '输出格式',
  image: '输入图片',
};

function supportSuffix(error: ExplainableError): Localized {
  if (!error.requestId) return { en: '', zh: '' };
  return { en: ` (request id: ${error.requestId})`, zh: `(请求 ID:${error.requestId})` };
}

/**
 * `member`: a Discord user, who cannot fix the bot's configuration and is sent to an admin.
 * `operator`: whoever runs the CLI, who owns the configuration and is told which setting to fix.
 */
export type Audience = 'member' | 'operator';

export function explainError(error: unknown, audience: Audience = 'member'): Localized {
  if (isConfigError(error)) {
    return { en: `The bot is misconfigured: ${error.message}`, zh: `机器人配置有误:${error.message}` };
  }
  if (!isExplainable(error)) {
    return {
      en: 'Something went wrong inside the bot. Try again; if it keeps happening, tell a server admin.',
      zh: '机器人内部出错了。请重试;如果反复出现,请联系服务器管理员。',
    };
  }
  const id = supportSuffix(error);
  switch (error.kind) {
    case 'invalid_input': {
      const { text, valid } = error;
      const paramZh = PARAM_ZH[error.param ?? ''] ?? error.param ?? '参数';
      // Every refusal of ours carries its Chinese text; one without it says only which option was
      // wrong rather than show Chinese users an English sentence.
      const detailZh = text ? `:${text.zh}` : '。';
      return {
        en: `${text?.en ?? error.message}${valid?.en ? ` Valid: ${valid.en}.` : ''} Nothing was charged.`,
        zh: `${paramZh}无效${detailZh}${valid?.zh ? `可用:${valid.zh}。` : ''}未产生任何费用。`,
      };
    }
    case 'timeout':
      return {
        en: `The image service did not answer in time. It may still have charged for this image. Try again, or pick a faster model (such as flux-2-pro).${id.en}`,
        zh: `图像服务超时未响应,本次可能仍已计费。请重试,或换一个更快的模型(如 flux-2-pro)。${id.zh}`,
      };
    case 'content_policy':
      return {
        en: `The provider's safety system blocked this prompt or image. Rephrase the prompt and try again.${id.en}`,
        zh: `提示词或图片被服务商的安全系统拦截。请修改提示词后重试。${id.zh}`,
      };
    case 'auth':
      if (audience === 'operator') {
        return {
          en: `The relay rejected the key: check IMAGE_API_KEY, and that IMAGE_API_BASE_URL is that relay's (with /v1).${id.en}`,
          zh: `中转拒绝了密钥:请检查 IMAGE_API_KEY,以及 IMAGE_API_BASE_URL 是否为该中转的地址(含 /v1)。${id.zh}`,
        };
      }
      return {
        en: `The image service rejected the bot's key, so the bot is misconfigured. Please tell a server admin.${id.en}`,
        zh: `图像服务拒绝了机器人的密钥(配置有误)。请联系服务器管理员。${id.zh}`,
      };
    case 'billing':
      if (audience === 'operator') {
        return {
          en: `The relay account is out of credit: top it up at the relay.${id.en}`,
          zh: `中转账户余额不足:请到中转平台充值。${id.zh}`,
        };
      }
      return {
        en: `The bot's image service account is out of credit. Please tell a server admin.${id.en}`,
        zh: `机器人的图像服务账户余额不足。请联系服务器管理员充值。${id.zh}`,
      };
    case 'bad_request': {
      // The relay's sentence without its own full stop: ours follows ("Invalid size." gave "Invalid size..").
      const reason = error.relayMessage?.replace(/[.。]+$/u, '');
      const detail = reason ? `: ${reason}` : '';
      return {
        en: `The image service refused the request${detail}. Change the options (model, size, quality) and try again.${id.en}`,
        zh: `图像服务拒绝了该请求${reason ? `:${reason}` : ''}。请调整参数(模型、尺寸、质量)后重试。${id.zh}`,
      };
    }
    case 'rate_limit':
      return {
        en: `The image service is busy (rate limited) and the retries ran out. Try again in a minute.${id.en}`,
        zh: `图像服务繁忙(限流),重试后仍未成功。请稍等一分钟再试。${id.zh}`,
      };
    case 'upstream':
      return {
        en: `The image service had an error on its side. Try again in a moment.${id.en}`,
        zh: `图像服务端出错。请稍后重试。${id.zh}`,
      };
    case 'malformed_response':
      return malformed(error, { en: '', zh: '' });
    case 'cancelled':
      return { en: 'Cancelled.', zh: '已取消。' };
  }
}

function malformed(error: ExplainableError, billing: Localized): Localized {
  const id = supportSuffix(error);
  return {
    en: `The image service answered without a usable image (${error.message}).${billing.en} Try again.${id.en}`,
    zh: `图像服务返回的结果中没有可用的图片(${error.message})。${billing.zh}请重试。${id.zh}`,
  };
}

/**
 * A member's message for a 200 whose image could not be used. The relay billed it, so the server's
 * budget pays (the ledger's chargeUnusable), but the member got nothing, so their daily quota does
 * not: they must hear both, or a budget that moved without an image looks like a bug.
 * `inGuild` false: a DM, where there is no server budget to mention.
 */
export function explainUnusable(error: ExplainableError, inGuild: boolean): Localized {
  return malformed(
    error,
    inGuild
      ? {
          en: " The image service still charged for it: it counts toward this server's budget, but not against your daily image quota.",
          zh: '图像服务仍已对此计费:计入本服务器的预算,但不计入你的每日图片额度。',
        }
      : {
          en: ' The image service still charged for it, but it does not count against your daily image quota.',
          zh: '图像服务仍已对此计费,但不计入你的每日图片额度。',
        },
  );
}
