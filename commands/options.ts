// Builders for the subcommand levels of a command's `as const` data, shared by /gallery and
// /imagine-admin. They keep the names and child options as literal types, so ArgumentsOf sees them.
import { ApplicationCommandOptionType, type LocalizationMap } from 'discord.js';
import type { Localized } from '../src/i18n/locale.js';
import type { OptionData } from './arguments.js';
import { describe } from './localize.js';

interface Described {
  readonly description: string;
  readonly description_localizations: LocalizationMap;
}

export type SubcommandData<N extends string> = Described & { readonly type: ApplicationCommandOptionType.Subcommand; readonly name: N };
export type GroupData<N extends string, O extends readonly OptionData[]> = Described & {
  readonly type: ApplicationCommandOptionType.SubcommandGroup;
  readonly name: N;
  readonly options: O;
};

/** A subcommand; without options its JSON has no `options` key. */
export function sub<const N extends string>(name: N, text: Localized): SubcommandData<N>;
export function sub<const N extends string, const O extends readonly OptionData[]>(name: N, text: Localized, options: O): SubcommandData<N> & { readonly options: O };
export function sub(name: string, text: Localized, options?: readonly OptionData[]): OptionData {
  return { type: ApplicationCommandOptionType.Subcommand, name, ...describe(text), ...(options?.length ? { options } : {}) };
}

export function group<const N extends string, const O extends readonly OptionData[]>(name: N, text: Localized, subcommands: O): GroupData<N, O> {
  return { type: ApplicationCommandOptionType.SubcommandGroup, name, ...describe(text), options: subcommands };
}
