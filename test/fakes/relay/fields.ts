// Readers for request-body fields that reject bad values with OpenAI's own error wording,
// so the bot's error mapping is exercised with the messages and codes real upstreams send.
import { invalidParam, type ErrorReply } from './errors.js';

/** Thrown by the readers; the dialect validator turns it into the answer. */
export class Rejection extends Error {
  constructor(readonly reply: ErrorReply) {
    super('request rejected');
  }
}

export function reject(param: string, message: string, code = 'invalid_value'): never {
  throw new Rejection(invalidParam(param, message, code));
}

export type Body = Record<string, unknown>;

/** JSON `null` counts as absent, as it does for OpenAI. */
export function has(body: Body, name: string): boolean {
  return body[name] !== undefined && body[name] !== null;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  return `a ${typeof value}`;
}

function invalidType(name: string, expected: string, value: unknown): never {
  reject(name, `Invalid type for '${name}': expected ${expected}, but got ${typeName(value)} instead.`, 'invalid_type');
}

function checkRange(name: string, value: number, min: number, max: number, kind: 'integer' | 'decimal'): void {
  if (value < min) {
    reject(
      name,
      `Invalid '${name}': ${kind} below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
      `${kind}_below_min_value`,
    );
  }
  if (value > max) {
    reject(
      name,
      `Invalid '${name}': ${kind} above maximum value. Expected a value <= ${max}, but got ${value} instead.`,
      `${kind}_above_max_value`,
    );
  }
}

export function readInt(body: Body, name: string, min: number, max: number): number | undefined {
  if (!has(body, name)) return undefined;
  const value = body[name];
  if (typeof value !== 'number' || !Number.isInteger(value)) invalidType(name, 'an integer', value);
  checkRange(name, value, min, max, 'integer');
  return value;
}

export function readNumber(body: Body, name: string, min: number, max: number): number | undefined {
  if (!has(body, name)) return undefined;
  const value = body[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) invalidType(name, 'a decimal', value);
  checkRange(name, value, min, max, 'decimal');
  return value;
}

export function readBool(body: Body, name: string): boolean | undefined {
  if (!has(body, name)) return undefined;
  const value = body[name];
  if (typeof value !== 'boolean') invalidType(name, 'a boolean', value);
  return value;
}

export function readString(body: Body, name: string): string | undefined {
  if (!has(body, name)) return undefined;
  const value = body[name];
  if (typeof value !== 'string') invalidType(name, 'a string', value);
  return value;
}

/** OpenAI lists supported values as `'a', 'b', and 'c'`. */
function listValues(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  if (quoted.length <= 2) return quoted.join(' and ');
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted[quoted.length - 1]}`;
}

export function readEnum<T extends string>(body: Body, name: string, values: readonly T[]): T | undefined {
  const value = readString(body, name);
  if (value === undefined) return undefined;
  if (!(values as readonly string[]).includes(value)) {
    reject(name, `Invalid value: '${value}'. Supported values are: ${listValues(values)}.`);
  }
  return value as T;
}

/** A field the model does not take at all. */
export function rejectUnsupported(body: Body, name: string, model: string): void {
  if (has(body, name)) {
    reject(name, `Unsupported parameter: '${name}' is not supported with the model ${model}.`, 'unsupported_parameter');
  }
}

/** A field the upstream does not know (what OpenAI says when FLUX fields reach it). */
export function rejectUnknown(body: Body, name: string): void {
  if (has(body, name)) reject(name, `Unknown parameter: '${name}'.`, 'unknown_parameter');
}

/** Parses `WxH`; rejects anything else naming `param`. */
export function parseSize(value: string, param = 'size'): { width: number; height: number } {
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(value);
  if (!match) reject(param, `Invalid size '${value}'. Expected 'WxH', such as '1024x1024'.`);
  return { width: Number(match[1]), height: Number(match[2]) };
}
